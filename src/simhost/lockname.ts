// The cross-process lock (src/util/lock.ts) that serialises every change to a simulated host's tree.
// Its file lives in the host's own lock directory, outside run/ (see SIM_LOCK_DIR).
import * as path from 'node:path';
import { SIM_LOCK_DIR } from '../host/root.js';
import { withLock } from '../util/lock.js';

export const SIM_LOCK = 'simkernel';

export function simLockDir(rootReal: string): string {
  return path.join(rootReal, SIM_LOCK_DIR);
}

/** Run fn under the simulated kernel's lock of the simulated host whose real path is rootReal. */
export function withSimLock<T>(rootReal: string, fn: () => Promise<T> | T, opts: { timeoutMs?: number } = {}): Promise<T> {
  return withLock(rootReal, SIM_LOCK, fn, { ...opts, dir: simLockDir(rootReal) });
}
