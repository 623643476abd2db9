// A lazy batch of simulated-kernel writes (src/simhost/lockname.ts withSimLockOnWrite) takes the
// kernel's lock at its first write and lets it go when it ends: writes of the batch that run side by
// side share that one taking (a second flock of our own would wait for us until its timeout).
import test from 'ava';
import * as fs from 'node:fs';
import { SIM_LOCK, simLockDir, withSimLock, withSimLockOnWrite } from '../../src/simhost/lockname.js';
import { acquireLock } from '../../src/util/lock.js';
import { tempDir } from '../helpers/cli.js';

test('writes side by side in a lazy batch share one lock; it is free again when the batch ends; a batch without writes takes none', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const root = fs.realpathSync(dir);
  fs.mkdirSync(simLockDir(root), { recursive: true });
  const ran: number[] = [];
  await withSimLockOnWrite(root, async () => {
    await Promise.all([1, 2, 3].map((i) => withSimLock(root, () => { ran.push(i); }, { timeoutMs: 3000 })));
    // held for the whole batch: another taker is turned away
    await t.throwsAsync(acquireLock(root, SIM_LOCK, { timeoutMs: 0, dir: simLockDir(root) }));
  }, { timeoutMs: 3000 });
  t.deepEqual(ran.sort(), [1, 2, 3]);
  const after = await acquireLock(root, SIM_LOCK, { timeoutMs: 0, dir: simLockDir(root) });
  await after.release();
  // nothing written: the batch never asks for the lock, so a holder elsewhere does not hold it up
  const other = await acquireLock(root, SIM_LOCK, { timeoutMs: 0, dir: simLockDir(root) });
  t.is(await withSimLockOnWrite(root, async () => 'read only', { timeoutMs: 0 }), 'read only');
  await other.release();
});
