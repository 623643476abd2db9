// The cross-process lock (src/util/lock.ts) that serialises every change to a simulated host's tree.
// Its file lives in the host's own lock directory, outside run/ (see SIM_LOCK_DIR).
import * as path from 'node:path';
import { SIM_LOCK_DIR } from '../host/root.js';
import { withLock } from '../util/lock.js';

export const SIM_LOCK = 'simkernel';

/**
 * real paths of the simulated hosts whose kernel lock this process holds for a batch (withSimLockHeld),
 * each with what is to run when the batch ends, before the lock is let go
 */
const held = new Map<string, Array<() => void>>();

export function simLockDir(rootReal: string): string {
  return path.join(rootReal, SIM_LOCK_DIR);
}

/**
 * Run fn under the simulated kernel's lock of the simulated host whose real path is rootReal. Inside
 * withSimLockHeld of the same host the lock is already ours: fn just runs.
 */
export function withSimLock<T>(rootReal: string, fn: () => Promise<T> | T, opts: { timeoutMs?: number } = {}): Promise<T> {
  if (held.has(rootReal)) return Promise.resolve().then(fn);
  return withLock(rootReal, SIM_LOCK, fn, { ...opts, dir: simLockDir(rootReal) });
}

/**
 * One hold of the lock across several writes of this process (each a complete kernel operation, as
 * under its own lock): one lock round trip instead of one per write. fn must not wait for another
 * process that takes this lock (a remover child): it would wait for fn.
 */
export function withSimLockHeld<T>(rootReal: string, fn: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  if (held.has(rootReal)) return fn();
  return withLock(rootReal, SIM_LOCK, async () => {
    const atEnd: Array<() => void> = [];
    held.set(rootReal, atEnd);
    try {
      return await fn();
    } finally {
      held.delete(rootReal);
      // bookkeeping only (clean-stamp.ts): one that fails leaves the next writer a repair to do
      for (const f of atEnd) try { f(); } catch { /* see above */ }
    }
  }, { ...opts, dir: simLockDir(rootReal) });
}

/**
 * Inside this process's batch on the simulated host rootReal, have fn run when the batch ends, still
 * under the lock, and answer true; outside a batch, false (fn is not kept).
 */
export function atBatchEnd(rootReal: string, fn: () => void): boolean {
  const atEnd = held.get(rootReal);
  if (atEnd === undefined) return false;
  atEnd.push(fn);
  return true;
}

export function inBatch(rootReal: string): boolean {
  return held.has(rootReal);
}
