// Files in directories that usually exist already (state, logs, the simulated sysfs): the write is
// tried first and the directory made only when the write finds it missing, so the common case costs
// no mkdir(2) at all, where a `mkdir -p` before every write costs one per path component.
import * as fs from 'node:fs';
import { errnoCode } from './errors.js';

/** op(), which creates something in dir; when that fails with ENOENT, dir is made (mkdir -p) and op runs again. */
export function inDirMadeOnDemand<T>(dir: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  fs.mkdirSync(dir, { recursive: true });
  return op();
}
