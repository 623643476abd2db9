// On every simulated-host profile: nodedev-create → nodedev-list → nodedev-dumpxml → nodedev-destroy,
// with available instances moving as the kernel's would (shared budgets, NVIDIA one-type-per-GPU).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { holdSimDevice, unholdSimDevice } from '../../src/simhost/kernel.js';
import { available, createdName, listNames, mdevXml, simHost } from './helpers.js';

interface Case {
  profile: string;
  parent: string;
  parentAddr: string;
  type: string;
  before: Record<string, number>;
  after: Record<string, number>;
  /** another parent that must not move */
  untouched?: { parent: string; avail: Record<string, number> };
  mdevDriver: string;
}

const cases: Case[] = [
  { profile: 'mtty', parent: 'mtty_mtty', parentAddr: 'mtty', type: 'mtty-2', mdevDriver: 'mtty',
    before: { 'mtty-1': 24, 'mtty-2': 12 }, after: { 'mtty-1': 22, 'mtty-2': 11 } },
  { profile: 'gvt-g', parent: 'pci_0000_00_02_0', parentAddr: '0000:00:02.0', type: 'i915-GVTg_V5_8', mdevDriver: 'intel_vgpu_mdev',
    before: { 'i915-GVTg_V5_4': 1, 'i915-GVTg_V5_8': 2 }, after: { 'i915-GVTg_V5_4': 0, 'i915-GVTg_V5_8': 1 } },
  { profile: 'nvidia', parent: 'pci_0000_41_00_0', parentAddr: '0000:41:00.0', type: 'nvidia-64', mdevDriver: 'nvidia-vgpu-vfio',
    before: { 'nvidia-63': 24, 'nvidia-64': 12, 'nvidia-65': 8 }, after: { 'nvidia-63': 0, 'nvidia-64': 11, 'nvidia-65': 0 },
    untouched: { parent: 'pci_0000_42_00_0', avail: { 'nvidia-63': 24, 'nvidia-64': 12, 'nvidia-65': 8 } } },
  { profile: 'ccw', parent: 'css_0_0_0052', parentAddr: '0.0.0052', type: 'vfio_ccw-io', mdevDriver: 'vfio_ccw_mdev',
    before: { 'vfio_ccw-io': 1 }, after: { 'vfio_ccw-io': 0 } },
  { profile: 'ap', parent: 'ap_matrix', parentAddr: 'matrix', type: 'vfio_ap-passthrough', mdevDriver: 'vfio_ap_mdev',
    before: { 'vfio_ap-passthrough': 65536 }, after: { 'vfio_ap-passthrough': 65535 } },
];

for (const c of cases) {
  test(`${c.profile}: create → list → dumpxml → destroy round-trips and moves available instances`, async (t) => {
    const h = await simHost(c.profile);
    t.teardown(h.cleanup);
    t.deepEqual(await available(h, c.parent), c.before);
    t.deepEqual(await listNames(h, '--cap', 'mdev'), []);

    const uuid = '3B9A7C1E-0D2F-4A6B-8C5D-E7F8091A2B3C';
    const canon = uuid.toLowerCase();
    const file = h.file('dev.xml', mdevXml(c.parent, c.type, `    <uuid>${uuid}</uuid>\n`));
    const cr = await h.run(['nodedev-create', file]);
    t.is(cr.exitCode, 0, String(cr.stderr));
    const expectedName = `mdev_${canon.replace(/-/g, '_')}_${c.parentAddr.replace(/[^A-Za-z0-9]/g, '_')}`;
    t.is(String(cr.stdout), `Node device ${expectedName} created from ${file}\n`);
    t.true(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', canon)));

    t.deepEqual(await available(h, c.parent), c.after);
    if (c.untouched) t.deepEqual(await available(h, c.untouched.parent), c.untouched.avail);
    t.deepEqual(await listNames(h, '--cap', 'mdev'), [expectedName]);
    const all = await listNames(h);
    t.true(all.includes(expectedName) && all.includes(c.parent) && all.includes('computer'));

    // every accepted spelling names the same device (checked once: the CLI is slow on a loaded machine)
    const spellings = c.profile === 'mtty' ? [expectedName, uuid, canon.replace(/-/g, ''), `mdev_${canon.replace(/-/g, '_')}`] : [];
    for (const arg of spellings) {
      const d = await h.run(['nodedev-dumpxml', arg]);
      t.is(d.exitCode, 0, `${arg}: ${String(d.stderr)}`);
      t.true(String(d.stdout).includes(`<name>${expectedName}</name>`), arg);
    }
    const xml = String((await h.run(['nodedev-dumpxml', canon])).stdout);
    const devPath = fs.readlinkSync(path.join(h.dir, 'sys/bus/mdev/devices', canon));
    const hostPath = path.posix.normalize(path.posix.join('/sys/bus/mdev/devices', devPath));
    const group = path.basename(fs.readlinkSync(path.join(h.dir, 'sys/bus/mdev/devices', canon, 'iommu_group')));
    t.is(xml, [
      '<device>',
      `  <name>${expectedName}</name>`,
      `  <path>${hostPath}</path>`,
      `  <parent>${c.parent}</parent>`,
      '  <driver>',
      `    <name>${c.mdevDriver}</name>`,
      '  </driver>',
      "  <capability type='mdev'>",
      `    <type id='${c.type}'/>`,
      `    <uuid>${canon}</uuid>`,
      `    <parent_addr>${c.parentAddr}</parent_addr>`,
      `    <iommuGroup number='${group}'/>`,
      '  </capability>',
      '</device>',
      '',
    ].join('\n'));

    const de = await h.run(['nodedev-destroy', expectedName]);
    t.is(de.exitCode, 0, String(de.stderr));
    t.is(String(de.stdout), `Destroyed node device '${expectedName}'\n`);
    t.false(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', canon)));
    t.deepEqual(await available(h, c.parent), c.before);
    t.deepEqual(await listNames(h, '--cap', 'mdev'), []);
    const again = await h.run(['nodedev-dumpxml', canon]);
    t.is(again.exitCode, 5);
  });
}

test('nodedev-create generates a UUID when the document has none, and accepts the parent address', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const r = await h.run(['--json', 'nodedev-create', h.file('d.xml', mdevXml('mtty', 'mtty-1'))]);
  t.is(r.exitCode, 0, String(r.stderr));
  const j = JSON.parse(String(r.stdout)) as { name: string; uuid: string; generatedUuid: boolean; parent: string; typeId: string };
  t.true(j.generatedUuid);
  t.regex(j.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(j.name, `mdev_${j.uuid.replace(/-/g, '_')}_mtty`);
  t.is(j.parent, 'mtty_mtty');
  t.is(j.typeId, 'mtty-1');
  t.deepEqual(await available(h, 'mtty_mtty'), { 'mtty-1': 23, 'mtty-2': 11 });
  const d = await h.run(['--json', 'nodedev-destroy', j.uuid]);
  t.is(d.exitCode, 0);
  t.deepEqual(JSON.parse(String(d.stdout)), { destroyed: true, name: j.name, uuid: j.uuid });
});

test('the XML nodedev-dumpxml prints for an mdev re-creates the same device', async (t) => {
  const h = await simHost('gvt-g');
  t.teardown(h.cleanup);
  const first = await h.run(['nodedev-create', h.file('a.xml', mdevXml('pci_0000_00_02_0', 'i915-GVTg_V5_8'))]);
  t.is(first.exitCode, 0, String(first.stderr));
  const name = createdName(String(first.stdout));
  const dumped = h.file('dumped.xml', String((await h.run(['nodedev-dumpxml', name])).stdout));
  t.is((await h.run(['nodedev-destroy', name])).exitCode, 0);
  const again = await h.run(['nodedev-create', dumped]);
  t.is(again.exitCode, 0, String(again.stderr));
  t.is(createdName(String(again.stdout)), name);
});

test('attributes are written in order to the new device', async (t) => {
  const h = await simHost('ap');
  t.teardown(h.cleanup);
  const uuid = '783e6dbb-ea0e-411f-94e2-717eaad438bf';
  const f = h.file('ap.xml', mdevXml('ap_matrix', 'vfio_ap-passthrough',
    `    <uuid>${uuid}</uuid>\n    <attr name='assign_adapter' value='5'/>\n    <attr name='assign_domain' value='0xab'/>\n`));
  const r = await h.run(['nodedev-create', f]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stdout), `Node device mdev_783e6dbb_ea0e_411f_94e2_717eaad438bf_matrix created from ${f}\n`);
  const dev = path.join(h.dir, 'sys/devices/vfio_ap/matrix', uuid);
  t.is(fs.readFileSync(path.join(dev, 'assign_adapter'), 'utf8'), '5');
  t.is(fs.readFileSync(path.join(dev, 'assign_domain'), 'utf8'), '0xab');
});

test('a second vfio-ccw device finds the subchannel taken (EUSERS → no capacity)', async (t) => {
  const h = await simHost('ccw');
  t.teardown(h.cleanup);
  const f = h.file('c.xml', mdevXml('css_0_0_0052', 'vfio_ccw-io'));
  t.is((await h.run(['nodedev-create', f])).exitCode, 0);
  const r = await h.run(['nodedev-create', f]);
  t.is(r.exitCode, 7);
  t.regex(String(r.stderr), /no capacity|EUSERS/);
  t.is((await listNames(h, '--cap', 'mdev')).length, 1);
});

test('nodedev-destroy of a device a VM holds open times out with TIMEOUT; the removal finishes once it is released', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const uuid = '5c1e6a0d-2b7f-4e3a-9d8c-7f6e5d4c3b2a';
  t.is((await h.run(['nodedev-create', h.file('d.xml', mdevXml('mtty_mtty', 'mtty-1', `    <uuid>${uuid}</uuid>\n`))])).exitCode, 0);
  const root = new HostRoot(h.dir);
  await holdSimDevice(root, uuid);
  const r = await h.run(['nodedev-destroy', '--timeout', '0.5', uuid]);
  t.is(r.exitCode, 9, String(r.stderr));
  t.regex(String(r.stderr), /^virt-mdev: node device 'mdev_5c1e6a0d_2b7f_4e3a_9d8c_7f6e5d4c3b2a_mtty' is still in use \(a VM holds it open\)/);
  // as on 6.1: the device leaves the bus when the write lands, its directory and share stay while held
  const dir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty', uuid);
  t.true(fs.existsSync(dir));
  t.deepEqual((await available(h, 'mtty_mtty'))['mtty-1'], 23);
  await unholdSimDevice(root, uuid);
  // the detached remover finishes on its own once the device is released (bounded wait, not a timing assertion)
  for (let i = 0; i < 600 && fs.existsSync(dir); i++) await new Promise((res) => setTimeout(res, 50));
  t.false(fs.existsSync(dir));
  t.false(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', uuid)));
  t.deepEqual(await available(h, 'mtty_mtty'), { 'mtty-1': 24, 'mtty-2': 12 });
});
