// The cross-process lock (src/util/lock.ts) that serialises every change to a simulated host's tree.
// Its file lives in the host's own lock directory, outside run/ (see SIM_LOCK_DIR).
import * as path from 'node:path';
import { SIM_LOCK_DIR } from '../host/root.js';
import { acquireLock, withLock, type HeldLock } from '../util/lock.js';

export const SIM_LOCK = 'simkernel';

interface Batch {
  /**
   * the lock, once asked for: a lazy batch asks at its first write. A promise, so that writes of the
   * batch that run side by side share one taking of it (a second flock of our own would wait for us)
   */
  lock?: Promise<HeldLock>;
  timeoutMs?: number;
  /** what is to run when the batch ends, before the lock is let go */
  atEnd: Array<() => void>;
}

/** real paths of the simulated hosts on which this process runs a batch (withSimLockHeld, withSimLockOnWrite) */
const held = new Map<string, Batch>();

export function simLockDir(rootReal: string): string {
  return path.join(rootReal, SIM_LOCK_DIR);
}

/**
 * Run fn under the simulated kernel's lock of the simulated host whose real path is rootReal. Inside
 * a batch on the same host the lock is ours (a lazy batch takes it now): fn just runs.
 */
export async function withSimLock<T>(rootReal: string, fn: () => Promise<T> | T, opts: { timeoutMs?: number } = {}): Promise<T> {
  const batch = held.get(rootReal);
  if (batch === undefined) return withLock(rootReal, SIM_LOCK, fn, { ...opts, dir: simLockDir(rootReal) });
  batch.lock ??= acquireLock(rootReal, SIM_LOCK, { timeoutMs: opts.timeoutMs ?? batch.timeoutMs, dir: simLockDir(rootReal) });
  await batch.lock;
  return fn();
}

/**
 * One hold of the lock across several writes of this process (each a complete kernel operation, as
 * under its own lock): one lock round trip instead of one per write. fn must not wait for another
 * process that takes this lock (a remover child): it would wait for fn.
 */
export function withSimLockHeld<T>(rootReal: string, fn: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return inBatchOf(rootReal, fn, opts, true);
}

/**
 * withSimLockHeld that takes the lock only when fn first writes (fn may well write nothing): a batch
 * that writes nothing costs no lock at all.
 */
export function withSimLockOnWrite<T>(rootReal: string, fn: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return inBatchOf(rootReal, fn, opts, false);
}

async function inBatchOf<T>(rootReal: string, fn: () => Promise<T>, opts: { timeoutMs?: number }, now: boolean): Promise<T> {
  if (held.has(rootReal)) return fn();
  const batch: Batch = { timeoutMs: opts.timeoutMs, atEnd: [] };
  if (now) batch.lock = Promise.resolve(await acquireLock(rootReal, SIM_LOCK, { timeoutMs: opts.timeoutMs, dir: simLockDir(rootReal) }));
  held.set(rootReal, batch);
  try {
    return await fn();
  } finally {
    held.delete(rootReal);
    // bookkeeping only (clean-stamp.ts): one that fails leaves the next writer a repair to do
    for (const f of batch.atEnd) try { f(); } catch { /* see above */ }
    // a lock that could not be taken failed its writes already: nothing to let go
    await (await batch.lock?.catch(() => undefined))?.release();
  }
}

/**
 * Inside this process's batch on the simulated host rootReal, have fn run when the batch ends, still
 * under the lock, and answer true; outside a batch, false (fn is not kept).
 */
export function atBatchEnd(rootReal: string, fn: () => void): boolean {
  const batch = held.get(rootReal);
  if (batch === undefined) return false;
  batch.atEnd.push(fn);
  return true;
}

export function inBatch(rootReal: string): boolean {
  return held.has(rootReal);
}
