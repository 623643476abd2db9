// A separate process that takes a lock (src/util/lock.ts) for the lock tests:
//   node lock-child.js ROOT NAME DIR|- TIMEOUT_MS
// prints "acquired" (or "error EXITCODE MESSAGE") and then holds the lock until its stdin closes.
import { acquireLock } from '../../src/util/lock.js';
import { isVirtMdevError } from '../../src/util/errors.js';

const [root, name, dir, timeout] = process.argv.slice(2);
try {
  const lock = await acquireLock(root!, name!, { dir: dir === '-' ? undefined : dir, timeoutMs: Number(timeout) });
  process.stdout.write('acquired\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void lock.release().then(() => process.stdout.write('released\n'));
  });
} catch (e) {
  process.stdout.write(`error ${isVirtMdevError(e) ? e.exitCode : 1} ${(e as Error).message}\n`);
}
