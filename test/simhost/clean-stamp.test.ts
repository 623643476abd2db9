// The clean stamp outlives the process that wrote it: it is a file beside the intent, and only the
// file (no memory of this process) says whether the next write may skip the repair walk.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { forgetClean, needsRepair } from '../../src/simhost/clean-stamp.js';
import { simLockDir } from '../../src/simhost/lockname.js';
import { requireSimState } from '../../src/simhost/state.js';
import { createPath, freshHost, uuidN } from './sim-helpers.js';

test('a clean write leaves a stamp the next write trusts; a hand change, an intent left behind or forgetClean makes it repair', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const lockDir = simLockDir(h.root.realDir);
  const repairs = (): boolean => needsRepair(h.dir, lockDir, requireSimState(h.root));
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(1));
  t.true(fs.existsSync(path.join(lockDir, 'simkernel.clean')));
  t.false(repairs(), 'the tree is as the last clean write left it');
  // a device link nobody's write made
  fs.symlinkSync('../../../devices/virtual/mtty/mtty/nothing', path.join(h.dir, 'sys/bus/mdev/devices', uuidN(9)));
  t.true(repairs(), 'a hand change to the bus');
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(2));
  t.false(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', uuidN(9))), 'the repair dropped the dangling link');
  t.false(repairs());
  fs.writeFileSync(path.join(lockDir, 'simkernel.intent'), '');
  t.true(repairs(), 'a writer killed mid-write');
  fs.unlinkSync(path.join(lockDir, 'simkernel.intent'));
  t.false(repairs());
  forgetClean(h.dir, lockDir);
  t.true(repairs(), 'a hold, reboot or hot-plug changed the tree');
});
