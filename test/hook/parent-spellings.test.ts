// Issue 10 item 9: a parent may be named as libvirt names node devices (pci_0000_00_02_0, css_0_0_0052,
// ap_matrix, mtty_mtty) or by its sysfs name (0000:00:02.0, 0.0.0052, matrix, mtty); every entry point
// accepts both and means the same parent.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sysfsParentName } from '../../src/util/validate.js';
import { virtMdev } from '../helpers/cli.js';
import { cli, deviceType, devices, domainXml, hook, ledger, simHost, uuid } from './helpers.js';

const SPELLINGS: Array<{ nodedev: string; sysfs: string; type: string; model: string }> = [
  { nodedev: 'pci_0000_00_02_0', sysfs: '0000:00:02.0', type: 'i915-GVTg_V5_8', model: 'vfio-pci' },
  { nodedev: 'css_0_0_0052', sysfs: '0.0.0052', type: 'vfio_ccw-io', model: 'vfio-ccw' },
  { nodedev: 'ap_matrix', sysfs: 'matrix', type: 'vfio_ap-passthrough', model: 'vfio-ap' },
  { nodedev: 'mtty_mtty', sysfs: 'mtty', type: 'mtty-2', model: 'vfio-pci' },
];
const PROFILES = ['gvt-g', 'ccw', 'ap', 'mtty'];

test('sysfsParentName maps node-device names to sysfs names and leaves sysfs names alone', (t) => {
  t.is(sysfsParentName('pci_0000_00_02_0'), '0000:00:02.0');
  t.is(sysfsParentName('pci_0000_41_00_0'), '0000:41:00.0');
  t.is(sysfsParentName('css_0_0_0023'), '0.0.0023');
  t.is(sysfsParentName('ap_matrix'), 'matrix');
  for (const s of ['0000:00:02.0', '0.0.0023', 'matrix', 'mtty', 'pci_0000_00_02', 'pci_zz_00_02_0']) t.is(sysfsParentName(s), s);
});

for (const s of SPELLINGS) {
  test(`hook prepare: parent='${s.nodedev}' creates on ${s.sysfs}`, async (t) => {
    const sim = await simHost(PROFILES);
    t.teardown(sim.cleanup);
    const u = uuid();
    const r = await hook(sim.dir, 'dom', 'prepare', 'begin', domainXml('dom', uuid(), [{ uuid: u, type: s.type, parent: s.nodedev, model: s.model }]));
    t.is(r.exitCode, 0, String(r.stderr));
    t.deepEqual(devices(sim.dir), [u]);
    t.is(ledger(sim.dir).find((e) => e.uuid === u)?.parent, s.sysfs);
    t.is(deviceType(sim.dir, u), s.type);
  });
}

const authoring = (parent: string, type = 'i915-GVTg_V5_8'): string => [
  "<domain type='kvm'>", '  <name>p9</name>', '  <uuid>9c0d1e2f-3a4b-4c5d-9e7f-8a9b0c1d2e3f</uuid>',
  "  <memory unit='KiB'>1048576</memory>", "  <os><type arch='x86_64' machine='pc'>hvm</type></os>", '  <devices>',
  "    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'>",
  `      <source><mdev type='${type}' parent='${parent}'/></source>`, '    </hostdev>', '  </devices>', '</domain>', ''].join('\n');

test('transform records the sysfs name for a node-device-named parent, without a host warning; check plans a create on it', async (t) => {
  const sim = await simHost(PROFILES);
  t.teardown(sim.cleanup);
  const r = await virtMdev(['--root', sim.dir, 'transform', '-'], { input: authoring('pci_0000_00_02_0') });
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stderr), '');
  t.regex(String(r.stdout), /<virt-mdev:device uuid='[0-9a-f-]{36}' type='i915-GVTg_V5_8' parent='0000:00:02\.0'\/>/);
  const c = await virtMdev(['--root', sim.dir, 'check', '-'], { input: String(r.stdout) });
  t.is(c.exitCode, 0, String(c.stderr));
  t.regex(String(c.stdout), /create i915-GVTg_V5_8 on 0000:00:02\.0/);
});

test('transform warns about neither spelling of a class parent (mtty_mtty, mtty)', async (t) => {
  const sim = await simHost(PROFILES);
  t.teardown(sim.cleanup);
  for (const p of ['mtty_mtty', 'mtty']) {
    const r = await virtMdev(['--root', sim.dir, 'transform', '-'], { input: authoring(p, 'mtty-2') });
    t.is(r.exitCode, 0, String(r.stderr));
    t.is(String(r.stderr), '', p);
  }
});

test('check plans the same parent for metadata naming it either way', async (t) => {
  const sim = await simHost(PROFILES);
  t.teardown(sim.cleanup);
  for (const s of SPELLINGS) {
    const xml = domainXml('dom', uuid(), [{ uuid: uuid(), type: s.type, parent: s.nodedev, model: s.model }]);
    const c = await virtMdev(['--root', sim.dir, 'check', '-'], { input: xml });
    t.is(c.exitCode, 0, `${s.nodedev}: ${String(c.stderr)}`);
    t.true(String(c.stdout).includes(`on ${s.sysfs} `), String(c.stdout));
  }
});

test('validate accepts both spellings of a parent', async (t) => {
  for (const p of ['pci_0000_00_02_0', '0000:00:02.0']) {
    const r = await virtMdev(['validate', '--no-libvirt', '-'], { input: authoring(p) });
    t.is(r.exitCode, 0, `${p}: ${String(r.stdout)}${String(r.stderr)}`);
  }
});

for (const [verb, dir] of [['nodedev-create', 'sys/bus/mdev/devices'], ['nodedev-define', 'etc/mdevctl.d/0000:00:02.0']] as const) {
  for (const p of ['pci_0000_00_02_0', '0000:00:02.0']) {
    test(`${verb} with <parent>${p}</parent> uses 0000:00:02.0`, async (t) => {
      const sim = await simHost(PROFILES);
      t.teardown(sim.cleanup);
      const u = uuid();
      const file = path.join(sim.dir, 'dev.xml');
      fs.writeFileSync(file, `<device>\n  <parent>${p}</parent>\n  <capability type='mdev'>\n    <type id='i915-GVTg_V5_8'/>\n    <uuid>${u}</uuid>\n  </capability>\n</device>\n`);
      const r = await cli(sim.dir, [verb, file]);
      t.is(r.exitCode, 0, String(r.stderr));
      t.true(fs.existsSync(path.join(sim.dir, dir, u)));
    });
  }
}

test('a pool naming its parent pci_0000_00_02_0 starts on 0000:00:02.0, and the hook draws from it', async (t) => {
  const sim = await simHost(PROFILES);
  t.teardown(sim.cleanup);
  const file = path.join(sim.dir, 'pool.xml');
  fs.writeFileSync(file, "<mdevpool>\n  <name>gvt</name>\n  <type id='i915-GVTg_V5_8'/>\n  <parent>pci_0000_00_02_0</parent>\n  <size>1</size>\n</mdevpool>\n");
  t.is((await cli(sim.dir, ['pool-define', file])).exitCode, 0);
  const s = await cli(sim.dir, ['pool-start', 'gvt']);
  t.is(s.exitCode, 0, String(s.stderr));
  t.is(devices(sim.dir).length, 1);
  const u = uuid();
  const r = await hook(sim.dir, 'dom', 'prepare', 'begin', domainXml('dom', uuid(), [{ uuid: u, pool: 'gvt', parent: 'pci_0000_00_02_0' }]));
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), [u]);
});
