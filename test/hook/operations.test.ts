// Every qemu hook operation, run as libvirt runs it (hooks/qemu as a child, argv, XML on stdin, a
// reduced environment), with managed and unmanaged devices on simulated hosts.
import test from 'ava';
import { createByHand, deviceType, devices, domainXml, hook, hookLog, ledger, markRunning, markStopped, plainDomainXml, simHost, sysSnapshot, uuid } from './helpers.js';

test('a domain without mdev: every operation exits 0, prints nothing and changes nothing', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const xml = plainDomainXml('plain');
  for (const [op, sub] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin'], ['stopped', 'end'], ['release', 'end'], ['reconnect', 'begin'], ['migrate', 'begin'], ['restore', 'begin'], ['attach', 'begin'], ['some-future-op', '-']]) {
    const r = await hook(sim.dir, 'plain', op, sub, xml);
    t.is(r.exitCode, 0, `${op}: ${String(r.stderr)}`);
    t.is(r.stdout, '', op);
    t.is(r.stderr, '', op);
  }
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(ledger(sim.dir), []);
});

test('managed devices: the whole life prepare → start → started → stopped → release on mtty and gvt-g', async (t) => {
  const sim = await simHost(['mtty', 'gvt-g']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const a = uuid(), b = uuid();
  const xml = domainXml('vm1', uuid(), [{ uuid: a, type: 'mtty-2' }, { uuid: b, type: 'i915-GVTg_V5_4', parent: '0000:00:02.0' }]);
  let r = await hook(sim.dir, 'vm1', 'prepare', 'begin', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(r.stdout, '');
  t.deepEqual(devices(sim.dir), [a, b].sort());
  t.is(deviceType(sim.dir, a), 'mtty-2');
  t.is(deviceType(sim.dir, b), 'i915-GVTg_V5_4');
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.state, e.origin, e.domain?.name]).sort(), [[a, 'active', 'created', 'vm1'], [b, 'active', 'created', 'vm1']].sort());
  for (const [op, sub] of [['start', 'begin'], ['started', 'begin']]) t.is((await hook(sim.dir, 'vm1', op, sub, xml)).exitCode, 0);
  markRunning(sim.dir, 'vm1', xml);
  t.is((await hook(sim.dir, 'vm1', 'stopped', 'end', xml)).exitCode, 0);
  t.deepEqual(devices(sim.dir), [a, b].sort(), 'stopped removes nothing: labels are restored after it');
  markStopped(sim.dir, 'vm1');
  r = await hook(sim.dir, 'vm1', 'release', 'end', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
  t.deepEqual(sysSnapshot(sim.dir), before, 'capacity is back where it was');
  const actions = hookLog(sim.dir).map((l) => l.action);
  t.true(actions.includes('create') && actions.includes('remove') && actions.includes('prepare-done') && actions.includes('release-done'));
  // release is idempotent: libvirt may call it again (and does after a failed prepare)
  r = await hook(sim.dir, 'vm1', 'release', 'end', xml);
  t.is(r.exitCode, 0);
  t.deepEqual(sysSnapshot(sim.dir), before);
});

test('unmanaged device: prepare checks it, release never removes it', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const u = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', u);
  const xml = domainXml('vmu', uuid(), [], [{ uuid: u }]);
  for (const [op, sub] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin'], ['reconnect', 'begin'], ['stopped', 'end'], ['release', 'end'], ['release', 'end'], ['migrate', 'begin'], ['restore', 'begin']]) {
    const r = await hook(sim.dir, 'vmu', op, sub, xml);
    t.is(r.exitCode, 0, `${op}: ${String(r.stderr)}`);
    t.is(r.stdout, '', op);
  }
  t.deepEqual(devices(sim.dir), [u]);
  t.deepEqual(ledger(sim.dir), []);
});

test('unmanaged device missing: prepare exits 1 with one line that says what to do', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const u = uuid();
  const r = await hook(sim.dir, 'vmx', 'prepare', 'begin', domainXml('vmx', uuid(), [], [{ uuid: u }]));
  t.is(r.exitCode, 1);
  const lines = String(r.stderr).trim().split('\n');
  t.is(lines.length, 1);
  t.regex(lines[0], new RegExp(`^virt-mdev: domain 'vmx' mdev hostdev #1 \\(${u}\\): mediated device ${u} does not exist on this host; create it first`));
  t.deepEqual(devices(sim.dir), []);
});

test('unmanaged device with the wrong device_api for the model: exit 1, one line naming both', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const u = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-2', u);
  const r = await hook(sim.dir, 'vmc', 'prepare', 'begin', domainXml('vmc', uuid(), [], [{ uuid: u, model: 'vfio-ccw' }]));
  t.is(r.exitCode, 1);
  t.is(String(r.stderr).trim().split('\n').length, 1);
  t.regex(String(r.stderr), /device_api 'vfio-pci' but the hostdev has model='vfio-ccw'; set model='vfio-pci'/);
  t.deepEqual(devices(sim.dir), [u]);
});

test('managed device whose type does not fit the model: nothing created, exit 1', async (t) => {
  const sim = await simHost(['mtty', 'ccw']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const a = uuid(), b = uuid();
  const r = await hook(sim.dir, 'vmm', 'prepare', 'begin', domainXml('vmm', uuid(), [{ uuid: a, type: 'mtty-1' }, { uuid: b, type: 'vfio_ccw-io' }]));
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /hostdev #2 .*vfio_ccw-io .*device_api 'vfio-ccw' but the hostdev has model='vfio-pci'/);
  t.deepEqual(sysSnapshot(sim.dir), before, 'the first device, created before the failure, was removed again');
  t.deepEqual(ledger(sim.dir), []);
});

test('all or nothing: the third of four fails, the two created are removed, release after it removes nothing else', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const foreign = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', foreign);
  const before = sysSnapshot(sim.dir);
  const ids = [uuid(), uuid(), uuid(), uuid()];
  const xml = domainXml('vm4', uuid(), [
    { uuid: ids[0], type: 'mtty-1' }, { uuid: ids[1], type: 'mtty-2' }, { uuid: ids[2], type: 'mtty-9' }, { uuid: ids[3], type: 'mtty-1' },
  ]);
  const r = await hook(sim.dir, 'vm4', 'prepare', 'begin', xml);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /hostdev #3 .*no parent on this host offers mdev type 'mtty-9'/);
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(ledger(sim.dir), []);
  // libvirt runs stopped + release after a failed prepare
  t.is((await hook(sim.dir, 'vm4', 'stopped', 'end', xml)).exitCode, 0);
  t.is((await hook(sim.dir, 'vm4', 'release', 'end', xml)).exitCode, 0);
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(devices(sim.dir), [foreign]);
});

test('a managed device that already exists unused is adopted, and release leaves it in place', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-2', a);
  const xml = domainXml('vma', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  let r = await hook(sim.dir, 'vma', 'prepare', 'begin', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.origin, e.state]), [[a, 'adopted', 'active']]);
  r = await hook(sim.dir, 'vma', 'release', 'end', xml);
  t.is(r.exitCode, 0);
  t.deepEqual(devices(sim.dir), [a], 'virt-mdev did not create it, so it does not remove it');
  t.deepEqual(ledger(sim.dir), []);
});

test('a managed UUID that exists with another type is refused, and the device survives', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', a);
  const xml = domainXml('vmt', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  const r = await hook(sim.dir, 'vmt', 'prepare', 'begin', xml);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /already exists as mtty-1 on mtty, but the domain asks for mtty-2/);
  t.is((await hook(sim.dir, 'vmt', 'release', 'end', xml)).exitCode, 0);
  t.deepEqual(devices(sim.dir), [a]);
});

test('a managed UUID used by another running domain is refused and never removed', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid();
  const x1 = domainXml('first', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'first', 'prepare', 'begin', x1)).exitCode, 0);
  markRunning(sim.dir, 'first', x1);
  const x2 = domainXml('second', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  const r = await hook(sim.dir, 'second', 'prepare', 'begin', x2);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /in use by running domain 'first'/);
  t.is((await hook(sim.dir, 'second', 'release', 'end', x2)).exitCode, 0);
  t.deepEqual(devices(sim.dir), [a]);
  t.deepEqual(ledger(sim.dir).map((e) => e.domain?.name), ['first']);
});

test('parent policy: the parent with most instances left, ties broken by name; a named parent is honoured', async (t) => {
  const sim = await simHost(['nvidia']);
  t.teardown(sim.cleanup);
  const ids = [uuid(), uuid(), uuid()];
  const r1 = await hook(sim.dir, 'p1', 'prepare', 'begin', domainXml('p1', uuid(), [{ uuid: ids[0], type: 'nvidia-63' }]));
  t.is(r1.exitCode, 0, String(r1.stderr));
  const first = ledger(sim.dir)[0].parent;
  const r2 = await hook(sim.dir, 'p2', 'prepare', 'begin', domainXml('p2', uuid(), [{ uuid: ids[1], type: 'nvidia-63' }]));
  t.is(r2.exitCode, 0, String(r2.stderr));
  const parents = ledger(sim.dir).map((e) => e.parent);
  t.is(new Set(parents).size, 2, 'the second device goes to the GPU with more left');
  t.true(first < parents.find((p) => p !== first)!, 'the tie went to the first name');
  const r3 = await hook(sim.dir, 'p3', 'prepare', 'begin', domainXml('p3', uuid(), [{ uuid: ids[2], type: 'nvidia-63', parent: first }]));
  t.is(r3.exitCode, 0, String(r3.stderr));
  t.is(ledger(sim.dir).find((e) => e.uuid === ids[2])?.parent, first);
});

test('reconnect always exits 0, even with a broken XML, a missing device or a corrupt ledger', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid();
  const xml = domainXml('vmr', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  let r = await hook(sim.dir, 'vmr', 'reconnect', 'begin', xml);
  t.is(r.exitCode, 0, 'device missing');
  t.is((await hook(sim.dir, 'vmr', 'prepare', 'begin', xml)).exitCode, 0);
  markRunning(sim.dir, 'vmr', xml);
  r = await hook(sim.dir, 'vmr', 'reconnect', 'begin', xml);
  t.is(r.exitCode, 0);
  t.is(r.stderr, '');
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.state]), [[a, 'active']]);
  r = await hook(sim.dir, 'vmr', 'reconnect', 'begin', '<domain><name>vmr</name><devices><hostdev type="mdev"');
  t.is(r.exitCode, 0, 'malformed XML');
  const fs = await import('node:fs');
  fs.writeFileSync(`${sim.dir}/run/virt-mdev/ledger.json`, '{ not json');
  r = await hook(sim.dir, 'vmr', 'reconnect', 'begin', xml);
  t.is(r.exitCode, 0, 'corrupt ledger');
  t.regex(String(r.stderr), /ledger .* is unreadable/);
  t.deepEqual(devices(sim.dir), [a]);
});

test('prepare refuses a managed hostdev without a UUID with advice to run transform', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const xml = "<domain type='kvm'><name>nou</name><devices><hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='mtty-2'/></source></hostdev></devices></domain>\n";
  const r = await hook(sim.dir, 'nou', 'prepare', 'begin', xml);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /has no UUID: run 'virt-mdev transform'/);
  t.deepEqual(devices(sim.dir), []);
});

test('malformed XML at prepare: exit 1 with file:line:col, nothing changed', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const r = await hook(sim.dir, 'bad', 'prepare', 'begin', "<domain><name>bad</name><devices><hostdev type='mdev'></devices></domain>");
  t.is(r.exitCode, 1);
  t.is(String(r.stderr).trim().split('\n').length, 1);
  t.regex(String(r.stderr), /^virt-mdev: <domain XML from libvirt>:\d+:\d+: /);
});

test('reconnect re-associates a renamed running domain with its devices, so release finds them', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid(), dom = uuid();
  const before = sysSnapshot(sim.dir);
  t.is((await hook(sim.dir, 'oldname', 'prepare', 'begin', domainXml('oldname', dom, [{ uuid: a, type: 'mtty-2' }]))).exitCode, 0);
  const renamed = domainXml('newname', dom, [{ uuid: a, type: 'mtty-2' }]);
  markRunning(sim.dir, 'newname', renamed);
  const r = await hook(sim.dir, 'newname', 'reconnect', 'begin', renamed);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(ledger(sim.dir).map((e) => [e.uuid, e.domain?.name, e.state]), [[a, 'newname', 'active']]);
  t.true(hookLog(sim.dir).some((l) => l.action === 'reassociate'));
  markStopped(sim.dir, 'newname');
  t.is((await hook(sim.dir, 'newname', 'release', 'end', renamed)).exitCode, 0);
  t.deepEqual(sysSnapshot(sim.dir), before);
});

test('restore: restore begin → prepare → start → started → stopped → release', async (t) => {
  const sim = await simHost(['gvt-g']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const a = uuid();
  const xml = domainXml('saved', uuid(), [{ uuid: a, type: 'i915-GVTg_V5_8' }]);
  for (const [op, sub] of [['restore', 'begin'], ['prepare', 'begin'], ['start', 'begin'], ['started', 'begin']]) {
    const r = await hook(sim.dir, 'saved', op, sub, xml);
    t.is(r.exitCode, 0, `${op}: ${String(r.stderr)}`);
    t.is(r.stdout, '', op);
  }
  t.deepEqual(devices(sim.dir), [a]);
  for (const [op, sub] of [['stopped', 'end'], ['release', 'end']]) t.is((await hook(sim.dir, 'saved', op, sub, xml)).exitCode, 0);
  t.deepEqual(sysSnapshot(sim.dir), before);
});
