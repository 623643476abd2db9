// An unmanaged hostdev whose device is defined in mdevctl's store but not started: prepare starts it
// (attributes in order), records nothing, and release leaves it running, because it is the admin's
// persistent device. What cannot be started is refused before anything is started.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, devices, deviceType, domainXml, hook, hookLog, ledger, simHost, sysSnapshot, uuid } from './helpers.js';

function defineFile(root: string, parent: string, u: string, json: string): string {
  const file = path.join(root, 'etc/mdevctl.d', parent, u);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  return file;
}

const def = (type: string, attrs: Record<string, string>[] = []): string => JSON.stringify({ mdev_type: type, start: 'manual', attrs }, null, 2);

test('a defined but stopped device: prepare starts it, release leaves it running, the ledger never has it', async (t) => {
  const sim = await simHost(['mtty', 'ap']);
  t.teardown(sim.cleanup);
  const u = uuid(), a = uuid();
  defineFile(sim.dir, 'mtty', u, def('mtty-2'));
  // the vfio-ap matrix: adapters before domains, the order kept (the last adapter written wins here)
  defineFile(sim.dir, 'matrix', a, def('vfio_ap-passthrough', [{ assign_adapter: '5' }, { assign_adapter: '6' }, { assign_domain: '0x47' }]));
  const xml = domainXml('vmd', uuid(), [], [{ uuid: u }, { uuid: a, model: 'vfio-ap' }]);
  const r = await hook(sim.dir, 'vmd', 'prepare', 'begin', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), [u, a].sort());
  t.is(deviceType(sim.dir, u), 'mtty-2');
  t.is(fs.readFileSync(path.join(sim.dir, 'sys/bus/mdev/devices', a, 'assign_adapter'), 'utf8'), '6');
  t.is(fs.readFileSync(path.join(sim.dir, 'sys/bus/mdev/devices', a, 'assign_domain'), 'utf8'), '0x47');
  t.deepEqual(ledger(sim.dir), []);
  t.deepEqual(hookLog(sim.dir).filter((l) => l.action === 'start-defined').map((l) => [l.uuid, l.state]).sort(), [[u, 'started'], [a, 'started']].sort());
  for (const [op, sub] of [['start', 'begin'], ['started', 'begin'], ['stopped', 'end'], ['release', 'end']]) {
    t.is((await hook(sim.dir, 'vmd', op, sub, xml)).exitCode, 0, op);
  }
  t.deepEqual(devices(sim.dir), [u, a].sort(), 'release leaves the admin\'s persistent devices running');
  t.deepEqual(ledger(sim.dir), []);
  // and the next start finds them there
  t.is((await hook(sim.dir, 'vmd', 'prepare', 'begin', xml)).exitCode, 0);
  t.regex(String((await cli(sim.dir, ['nodedev-info', u])).stdout), /Active: {9}yes\nPersistent: {5}yes\n/);
});

interface Refusal { title: string; setup: (root: string, u: string) => string[]; model?: string; stderr: (root: string, u: string) => RegExp }

const refusals: Refusal[] = [
  { title: 'a UUID defined under two parents (both files named)', setup: (root, u) => [defineFile(root, 'mtty', u, def('mtty-2')), defineFile(root, '0000:00:02.0', u, def('i915-GVTg_V5_4'))],
    stderr: (root, u) => new RegExp(`is defined under 2 parents \\(${root}/etc/mdevctl.d/0000:00:02.0/${u} and ${root}/etc/mdevctl.d/mtty/${u}\\)`) },
  { title: 'a definition whose parent is not registered', setup: (root, u) => [defineFile(root, '0000:00:02.0', u, def('i915-GVTg_V5_4'))],
    stderr: (root, u) => new RegExp(`it is defined \\(${root}/etc/mdevctl.d/0000:00:02.0/${u}\\) on parent 0000:00:02.0, which is not registered`) },
  { title: 'a definition of a type whose device_api does not fit the model', setup: (root, u) => [defineFile(root, 'mtty', u, def('mtty-1'))], model: 'vfio-ccw',
    stderr: () => /the device is defined \(.*\) as a mtty-1 on mtty with device_api 'vfio-pci' but the hostdev has model='vfio-ccw'/ },
  { title: 'a definition file that cannot be read (named)', setup: (root, u) => [defineFile(root, 'mtty', u, '{"mdev_type": "mtty-1", "sta')],
    stderr: (root, u) => new RegExp(`mdevctl definition ${root}/etc/mdevctl.d/mtty/${u} is invalid`) },
];

for (const f of refusals) {
  test(`prepare refuses ${f.title}: exit 1, one line, nothing started`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const u = uuid(), other = uuid();
    f.setup(sim.dir, u);
    // a second, startable definition in the same domain is not started either: all or nothing
    defineFile(sim.dir, 'mtty', other, def('mtty-1'));
    const before = sysSnapshot(sim.dir);
    const r = await hook(sim.dir, 'vmr', 'prepare', 'begin', domainXml('vmr', uuid(), [], [{ uuid: other }, { uuid: u, model: f.model ?? 'vfio-pci' }]));
    t.is(r.exitCode, 1);
    t.is(String(r.stderr).trim().split('\n').length, 1, String(r.stderr));
    t.regex(String(r.stderr), new RegExp(`^virt-mdev: domain 'vmr' mdev hostdev #2 \\(${u}\\): `));
    t.regex(String(r.stderr), f.stderr(sim.dir, u));
    t.deepEqual(sysSnapshot(sim.dir), before);
  });
}
