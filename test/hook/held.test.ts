// A device something still holds open: the kernel blocks the remove (reference §1.5). release must
// not hang libvirt: it gives up after the bound, logs the device as abandoned and exits 0; gc
// finishes the removal once the device is let go.
import test from 'ava';
import { HostRoot } from '../../src/host/root.js';
import { holdSimDevice, unholdSimDevice } from '../../src/simhost/kernel.js';
import { cli, devices, domainXml, hook, hookLog, ledger, lingering, markRunning, markStopped, simHost, sysSnapshot, uuid } from './helpers.js';

test('a held device: release abandons the remove after the bound, gc finishes it after unhold', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const a = uuid(), b = uuid();
  const xml = domainXml('held', uuid(), [{ uuid: a, type: 'mtty-2' }, { uuid: b, type: 'mtty-1' }]);
  t.is((await hook(sim.dir, 'held', 'prepare', 'begin', xml)).exitCode, 0);
  markRunning(sim.dir, 'held', xml);
  await holdSimDevice(new HostRoot(sim.dir), a);
  markStopped(sim.dir, 'held');
  // the bound also covers b's remove, whose remover process must start and finish within it: 1 s is
  // too tight on a loaded 2-core CI machine (b would be abandoned too)
  const r = await hook(sim.dir, 'held', 'release', 'end', xml, { VIRT_MDEV_REMOVE_TIMEOUT: '5' });
  t.is(r.exitCode, 0);
  t.is(String(r.stderr).trim().split('\n').length, 1, String(r.stderr));
  t.regex(String(r.stderr), new RegExp(`^virt-mdev: held: remove of ${a} did not finish within 5 s .*left for 'virt-mdev gc'`));
  // as on 6.1: the held device is off the bus at once, its removal waits in the kernel
  t.deepEqual(devices(sim.dir), [], 'the free device was removed, the held one left the bus');
  t.deepEqual(lingering(sim.dir), [a], 'the held one waits for its last user');
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.state]), [[a, 'abandoned']]);
  t.true(hookLog(sim.dir).some((l) => l.action === 'abandon' && l.uuid === a));
  // the domain cannot take its old UUID while the removal is pending
  const again = await hook(sim.dir, 'held', 'prepare', 'begin', xml);
  t.is(again.exitCode, 1);
  t.regex(String(again.stderr), /still being removed/);
  // gc while still held: abandons again, says so with its own exit code
  const g1 = await cli(sim.dir, ['gc', '--remove-timeout', '1']);
  t.is(g1.exitCode, 9);
  t.regex(String(g1.stderr), /did not finish in time/);
  t.deepEqual(lingering(sim.dir), [a]);
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.state]), [[a, 'abandoned']]);
  await unholdSimDevice(new HostRoot(sim.dir), a);
  const g2 = await cli(sim.dir, ['gc', '--remove-timeout', '10']);
  t.is(g2.exitCode, 0, String(g2.stderr));
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(lingering(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
  t.deepEqual(sysSnapshot(sim.dir), before);
});

// nodedev-destroy --force of a running domain's device, then the domain stops (`virsh destroy` racing the
// removal, test/real/guest/held.sh part B): release finds the device off the bus with its removal pending,
// waits for it within remove_timeout instead of calling it gone, and clears the ledger once it is.
test('release of a device whose removal is already pending waits for it, or abandons it while still held', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const root = new HostRoot(sim.dir);
  const a = uuid();
  const xml = domainXml('racing', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'racing', 'prepare', 'begin', xml)).exitCode, 0);
  markRunning(sim.dir, 'racing', xml);
  await holdSimDevice(root, a);
  const d = await cli(sim.dir, ['nodedev-destroy', '--force', '--timeout', '0.5', a]);
  t.is(d.exitCode, 9, String(d.stderr));
  // QEMU has not let go yet when release runs: the removal is pending, release abandons it to gc
  markStopped(sim.dir, 'racing');
  const r1 = await hook(sim.dir, 'racing', 'release', 'end', xml, { VIRT_MDEV_REMOVE_TIMEOUT: '1' });
  t.is(r1.exitCode, 0);
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.state]), [[a, 'abandoned']]);
  t.deepEqual(lingering(sim.dir), [a]);
  // QEMU lets go: nodedev-destroy's remover finishes, gc sees it gone and clears the entry
  await unholdSimDevice(root, a);
  const g = await cli(sim.dir, ['gc', '--remove-timeout', '20']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.deepEqual(lingering(sim.dir), []);
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
});
