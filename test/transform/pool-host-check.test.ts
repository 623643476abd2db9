// transform --root and validate with a host root, for hostdevs that draw from pools: a pool that is not
// defined or not started on that host, a type that is not the pool's, a device_api that does not fit
// the guest model are warned about; a pool-only request (no type) that fits gets no word.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotTree, virtMdev } from '../helpers/cli.js';
import { cli, simHost } from '../hook/helpers.js';
import { startedPool } from '../hook/pool-helpers.js';

const hostdev = (attrs: string, model = ''): string =>
  `    <hostdev mode='subsystem' type='mdev' managed='yes'${model}><source><mdev ${attrs}/></source></hostdev>`;

test('pool requests checked against a host: transform --root warns, validate --root notes, nothing changes', async (t) => {
  const sim = await simHost(['mtty', 'ccw']);
  t.teardown(sim.cleanup);
  await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  fs.writeFileSync(path.join(sim.dir, 'idle.pool.xml'), "<mdevpool>\n  <name>idle</name>\n  <type id='mtty-1'/>\n  <size>1</size>\n</mdevpool>\n");
  t.is((await cli(sim.dir, ['pool-define', path.join(sim.dir, 'idle.pool.xml')])).exitCode, 0);
  const file = path.join(sim.dir, 'vm.xml');
  fs.writeFileSync(file, [
    "<domain type='kvm'>", '  <name>pooled</name>', '  <uuid>1c2d3e4f-5a6b-4c7d-9e9f-0a1b2c3d4e5f</uuid>', '  <devices>',
    hostdev("pool='serial'"),
    hostdev("pool='serial' type='mtty-2'"),
    hostdev("pool='nosuch'"),
    hostdev("pool='serial' type='mtty-1'"),
    hostdev("pool='serial'", " model='vfio-ccw'"),
    hostdev("pool='idle'"),
    '  </devices>', '</domain>', '',
  ].join('\n'));
  const before = snapshotTree(sim.dir);
  const r = await virtMdev(['--root', sim.dir, 'transform', file]);
  t.is(r.exitCode, 0, String(r.stderr));
  const expected = [
    `warning: ${file}:7: pool 'nosuch' is not defined on this host (pools: idle, serial): the hook will refuse to start the domain until it is (virt-mdev pool-define FILE, virt-mdev pool-start nosuch)`,
    `warning: ${file}:8: the hostdev asks for type 'mtty-1' from pool 'serial', whose members are mtty-2: the hook will refuse to start it; drop the type or fix it`,
    `warning: ${file}:9: pool 'serial' holds mtty-2 devices with device_api 'vfio-pci' but the hostdev's model is 'vfio-ccw' (guest address none): the hook will refuse to start it`,
    `warning: ${file}:10: pool 'idle' is defined but not started on this host: start it (virt-mdev pool-start idle) or mark it autostart`,
  ];
  t.deepEqual(String(r.stderr).trimEnd().split('\n'), expected, 'lines 5 and 6 (the pool\'s type, or none) fit');
  const v = await virtMdev(['--root', sim.dir, 'validate', '--no-libvirt', file]);
  t.is(v.exitCode, 0, String(v.stdout));
  const notes = String(v.stdout).split('\n').filter((l) => l.includes(`on host ${sim.dir}`));
  t.deepEqual(notes, expected.map((w) => w.replace(/^warning: (.*?):(\d+): /, `$1: note: line $2, on host ${sim.dir}: `)));
  const offline = await virtMdev(['validate', '--no-libvirt', file], { env: { VIRT_MDEV_ROOT: undefined } });
  t.false(String(offline.stdout).includes('on host'), 'without a host root validate looks at no host');
  t.deepEqual(snapshotTree(sim.dir), before);
});
