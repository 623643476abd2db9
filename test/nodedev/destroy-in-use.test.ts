// nodedev-destroy of a device a running domain uses (libvirt's status files) is refused, naming the
// domain, unless --force.
import test from 'ava';
import { cli, createByHand, devices, domainXml, markRunning, simHost, sysSnapshot, uuid } from '../hook/helpers.js';

test('nodedev-destroy refuses a device a running domain uses, naming it; --force destroys it', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const dev = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', dev);
  markRunning(sim.dir, 'busy', domainXml('busy', uuid(), [], [{ uuid: dev }]));
  const before = sysSnapshot(sim.dir);
  const r = await cli(sim.dir, ['nodedev-destroy', dev]);
  t.is(r.exitCode, 10, String(r.stderr));
  t.is(String(r.stderr), `virt-mdev: node device 'mdev_${dev.replace(/-/g, '_')}_mtty' is in use by running domain 'busy': stop that domain first, or pass --force to destroy it anyway\n`);
  t.deepEqual(sysSnapshot(sim.dir), before);
  const f = await cli(sim.dir, ['nodedev-destroy', '--force', dev]);
  t.is(f.exitCode, 0, String(f.stderr));
  t.deepEqual(devices(sim.dir), []);
});

test('nodedev-destroy of a device no running domain uses needs no --force', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const dev = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', dev);
  markRunning(sim.dir, 'other', domainXml('other', uuid(), [], [{ uuid: uuid() }]));
  const r = await cli(sim.dir, ['nodedev-destroy', dev]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), []);
});
