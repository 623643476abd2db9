// The tree initSimHost writes must look like the kernel's sysfs: same names, same relative links.
import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SIM_MARKER } from '../../src/host/root.js';
import { initSimHost } from '../../src/simhost/init.js';
import { joinUnder, relTarget } from '../../src/simhost/layout.js';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { tempDir } from '../helpers/cli.js';
import { checkProperty } from '../helpers/property.js';
import { avail, createPath, freshHost, link, resolves, uuidN } from './sim-helpers.js';

test('mtty: exactly the kernel sample, links as measured on 6.1', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const d = h.dir;
  t.is(link(d, 'sys/class/mdev_bus/mtty'), '../../devices/virtual/mtty/mtty');
  t.is(link(d, 'sys/devices/virtual/mtty/mtty/subsystem'), '../../../../class/mtty');
  t.false(fs.existsSync(path.join(d, 'sys/devices/virtual/mtty/mtty/driver')));
  const types = path.join(d, 'sys/devices/virtual/mtty/mtty/mdev_supported_types');
  t.deepEqual(fs.readdirSync(types).sort(), ['mtty-1', 'mtty-2']);
  t.deepEqual(fs.readdirSync(path.join(types, 'mtty-1')).sort(), ['available_instances', 'create', 'device_api', 'devices', 'name']);
  t.is(fs.readFileSync(path.join(types, 'mtty-1/name'), 'utf8'), 'Single port serial\n');
  t.is(fs.readFileSync(path.join(types, 'mtty-2/name'), 'utf8'), 'Dual port serial\n');
  t.is(fs.readFileSync(path.join(types, 'mtty-2/device_api'), 'utf8'), 'vfio-pci\n');
  t.is(avail(d, 'mtty', 'mtty-1'), 24);
  t.is(avail(d, 'mtty', 'mtty-2'), 12);
  t.is(fs.statSync(path.join(types, 'mtty-1/create')).mode & 0o777, 0o200);
  t.true(fs.existsSync(path.join(d, 'sys/bus/mdev/drivers/mtty')));
  t.true(fs.existsSync(path.join(d, SIM_MARKER)));

  const u = uuidN(1);
  await sysfsWrite(h.root, createPath('mtty', 'mtty-2'), u + '\n');
  const dev = `sys/devices/virtual/mtty/mtty/${u}`;
  t.is(link(d, `sys/bus/mdev/devices/${u}`), `../../../devices/virtual/mtty/mtty/${u}`);
  t.is(link(d, `${dev}/driver`), '../../../../../bus/mdev/drivers/mtty');
  t.is(link(d, `${dev}/iommu_group`), '../../../../../kernel/iommu_groups/0');
  t.is(link(d, `${dev}/mdev_type`), '../mdev_supported_types/mtty-2');
  t.is(link(d, `${dev}/subsystem`), '../../../../../bus/mdev');
  t.is(link(d, `sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/devices/${u}`), `../../../${u}`);
  t.is(link(d, `sys/kernel/iommu_groups/0/devices/${u}`), `../../../../devices/virtual/mtty/mtty/${u}`);
  t.deepEqual(fs.readdirSync(path.join(d, dev)).sort(), ['driver', 'iommu_group', 'mdev_type', 'power', 'remove', 'subsystem', 'uevent', 'vendor', 'vfio-dev']);
  t.is(link(d, `${dev}/vfio-dev/vfio0/device`), `../../../${u}`);
  t.is(link(d, `${dev}/vfio-dev/vfio0/subsystem`), '../../../../../../../class/vfio-dev');
  t.is(resolves(d, 'sys/class/vfio-dev/vfio0'), `${dev}/vfio-dev/vfio0`);
  t.is(resolves(d, 'sys/class/vfio/0'), 'sys/devices/virtual/vfio/0');
  t.is(fs.readFileSync(path.join(d, dev, 'uevent'), 'utf8'), 'DRIVER=mtty\n');
  t.is(fs.readFileSync(path.join(d, dev, 'vendor/sample_mdev_dev'), 'utf8'), `This is MDEV ${u}\n`);
  t.is(fs.statSync(path.join(d, dev, 'remove')).mode & 0o777, 0o200);
  // every link resolves to the place it names
  t.is(resolves(d, `sys/bus/mdev/devices/${u}`), dev);
  t.is(resolves(d, `${dev}/mdev_type`), 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2');
  t.is(resolves(d, `${dev}/driver`), 'sys/bus/mdev/drivers/mtty');
  t.is(resolves(d, `${dev}/iommu_group`), 'sys/kernel/iommu_groups/0');
  t.is(resolves(d, `sys/bus/mdev/drivers/mtty/${u}`), dev);
});

const parentCases: Array<{ profile: string; parent: string; path: string; driver?: string; subsystem: string; types: Record<string, { name: string; api: string; avail: number; description: boolean }> }> = [
  {
    profile: 'gvt-g', parent: '0000:00:02.0', path: 'sys/devices/pci0000:00/0000:00:02.0', driver: 'i915', subsystem: 'pci',
    types: {
      'i915-GVTg_V5_4': { name: 'GVTg_V5_4', api: 'vfio-pci', avail: 1, description: true },
      'i915-GVTg_V5_8': { name: 'GVTg_V5_8', api: 'vfio-pci', avail: 2, description: true },
    },
  },
  {
    profile: 'nvidia', parent: '0000:41:00.0', path: 'sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0', driver: 'nvidia', subsystem: 'pci',
    types: {
      'nvidia-63': { name: 'GRID P40-1Q', api: 'vfio-pci', avail: 24, description: true },
      'nvidia-64': { name: 'GRID P40-2Q', api: 'vfio-pci', avail: 12, description: true },
      'nvidia-65': { name: 'GRID P40-3Q', api: 'vfio-pci', avail: 8, description: true },
    },
  },
  {
    profile: 'nvidia', parent: '0000:42:00.0', path: 'sys/devices/pci0000:40/0000:40:03.1/0000:42:00.0', driver: 'nvidia', subsystem: 'pci',
    types: { 'nvidia-63': { name: 'GRID P40-1Q', api: 'vfio-pci', avail: 24, description: true } },
  },
  {
    profile: 'ccw', parent: '0.0.0052', path: 'sys/devices/css0/0.0.0052', driver: 'vfio_ccw', subsystem: 'css',
    types: { 'vfio_ccw-io': { name: 'I/O subchannel (Non-QDIO)', api: 'vfio-ccw', avail: 1, description: false } },
  },
  {
    profile: 'ap', parent: 'matrix', path: 'sys/devices/vfio_ap/matrix', driver: 'vfio_ap', subsystem: 'matrix',
    types: { 'vfio_ap-passthrough': { name: 'VFIO AP Passthrough Device', api: 'vfio-ap', avail: 65536, description: false } },
  },
];

for (const c of parentCases) {
  test(`${c.profile}: parent ${c.parent} and its types`, async (t) => {
    const h = await freshHost([c.profile]);
    t.teardown(h.cleanup);
    const d = h.dir;
    const cls = `sys/class/mdev_bus/${c.parent}`;
    t.is(link(d, cls), path.relative('sys/class/mdev_bus', c.path));
    t.true(link(d, cls).startsWith('../../devices/'));
    t.is(resolves(d, cls), c.path);
    t.is(path.basename(link(d, `${c.path}/subsystem`)), c.subsystem);
    t.is(resolves(d, `${c.path}/subsystem`), `sys/bus/${c.subsystem}`);
    if (c.driver) {
      t.is(resolves(d, `${c.path}/driver`), `sys/bus/${c.subsystem}/drivers/${c.driver}`);
      t.is(resolves(d, `sys/bus/${c.subsystem}/drivers/${c.driver}/${c.parent}`), c.path);
    }
    t.is(resolves(d, `sys/bus/${c.subsystem}/devices/${c.parent}`), c.path);
    for (const [id, ty] of Object.entries(c.types)) {
      const td = path.join(d, c.path, 'mdev_supported_types', id);
      t.is(fs.readFileSync(path.join(td, 'name'), 'utf8'), `${ty.name}\n`);
      t.is(fs.readFileSync(path.join(td, 'device_api'), 'utf8'), `${ty.api}\n`);
      t.is(avail(d, c.parent, id), ty.avail);
      t.is(fs.existsSync(path.join(td, 'description')), ty.description);
      t.true(fs.statSync(path.join(td, 'devices')).isDirectory());
    }
  });
}

test('nvidia: device links climb out of the GPU behind its PCI bridge', async (t) => {
  const h = await freshHost(['nvidia']);
  t.teardown(h.cleanup);
  const u = uuidN(7);
  await sysfsWrite(h.root, createPath('0000:41:00.0', 'nvidia-63'), u);
  const dev = `sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/${u}`;
  t.is(link(h.dir, `sys/bus/mdev/devices/${u}`), `../../../devices/pci0000:40/0000:40:01.1/0000:41:00.0/${u}`);
  t.is(link(h.dir, `${dev}/driver`), '../../../../../bus/mdev/drivers/nvidia-vgpu-vfio');
  t.true(link(h.dir, `${dev}/iommu_group`).startsWith('../../../../../kernel/iommu_groups/'));
  t.is(resolves(h.dir, `${dev}/subsystem`), 'sys/bus/mdev');
  // the GPU's own group (32) is taken; the mdev gets the lowest free number
  t.is(resolves(h.dir, 'sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/iommu_group'), 'sys/kernel/iommu_groups/32');
  t.is(resolves(h.dir, `${dev}/iommu_group`), 'sys/kernel/iommu_groups/0');
});

test('profiles combine in one host, and init extends an existing simulated host', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const dir = path.join(tmp.dir, 'h');
  const a = await initSimHost(dir, ['mtty', 'gvt-g']);
  t.deepEqual(a.added, ['mtty', 'gvt-g']);
  t.deepEqual(fs.readdirSync(path.join(dir, 'sys/class/mdev_bus')).sort(), ['0000:00:02.0', 'mtty']);
  const b = await initSimHost(dir, ['mtty', 'ccw']);
  t.deepEqual(b.added, ['ccw']);
  t.deepEqual(b.present, ['mtty']);
  t.deepEqual(fs.readdirSync(path.join(dir, 'sys/class/mdev_bus')).sort(), ['0.0.0052', '0000:00:02.0', 'mtty']);
  const marker = JSON.parse(fs.readFileSync(path.join(dir, SIM_MARKER), 'utf8')) as { profiles: string[] };
  t.deepEqual(marker.profiles, ['mtty', 'gvt-g', 'ccw']);
});

test('init refuses a non-empty directory that is not a simulated host, and unknown profiles', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  fs.writeFileSync(path.join(tmp.dir, 'precious'), 'x');
  const e = await t.throwsAsync(initSimHost(tmp.dir, ['mtty']));
  t.regex(e!.message, /not empty and is not a simulated host/);
  t.deepEqual(fs.readdirSync(tmp.dir), ['precious']);
  const e2 = await t.throwsAsync(initSimHost(path.join(tmp.dir, 'new'), ['mtty', 'quantum']));
  t.regex(e2!.message, /unknown simulated-host profile 'quantum'.*mtty, gvt-g, nvidia, ccw, ap/);
  t.false(fs.existsSync(path.join(tmp.dir, 'new')));
});

test('relTarget: the link\'s text, followed from the link\'s directory, leads to the target (paths relative to the root)', (t) => {
  // paths inside the root, spelled loosely ('.', doubled and leading slashes), as the kernel's never leave it
  const seg = fc.constantFrom('sys', 'devices', 'bus', 'mdev', 'a', 'b', 'c', '.', '');
  const rel = fc.array(seg, { minLength: 1, maxLength: 7 }).map((s) => s.join('/'));
  checkProperty(t, fc.property(rel, rel, (linkRel, targetRel) => {
    const root = '/root';
    const at = path.posix.join(root, path.posix.dirname(linkRel), relTarget(linkRel, targetRel));
    const want = path.posix.join(root, targetRel);
    if (at.replace(/\/$/, '') !== want.replace(/\/$/, '')) throw new Error(`${linkRel} -> ${targetRel}: ${at}, not ${want}`);
    // plain names take a shortcut on the strings: the same text as the spelled-loosely way
    const loose = relTarget(`./${linkRel}`, targetRel);
    if (relTarget(linkRel, targetRel) !== loose) throw new Error(`${linkRel} -> ${targetRel}: ${relTarget(linkRel, targetRel)}, not ${loose}`);
  }), 2000);
  // as sysfs prints them (measured on 6.1)
  t.is(relTarget('sys/bus/mdev/devices/u', 'sys/devices/virtual/mtty/mtty/u'), '../../../devices/virtual/mtty/mtty/u');
  t.is(relTarget('sys/devices/virtual/mtty/mtty/u/vfio-dev/vfio0/device', 'sys/devices/virtual/mtty/mtty/u'), '../../../u');
});

test('joinUnder is path.join, spelled loosely or not (it only skips the normalize where there is nothing to normalize)', (t) => {
  const seg = fc.constantFrom('sys', 'devices', 'a.b', '...', '.x', 'x.', 'mdev', '.', '..', '', 'é');
  const rel = fc.array(seg, { minLength: 0, maxLength: 6 }).map((s) => s.join('/'));
  const dir = fc.constantFrom('/root', '/', '/a/b', '/a/b/', '/a/./b', '/a/../b', 'rel/dir', '', '/a//b');
  checkProperty(t, fc.property(dir, rel, (d, r) => {
    if (joinUnder(d, r) !== path.join(d, r)) throw new Error(`joinUnder(${JSON.stringify(d)}, ${JSON.stringify(r)}) = ${joinUnder(d, r)}, not ${path.join(d, r)}`);
  }), 3000);
  t.is(joinUnder('/h', 'sys/bus/mdev/devices/u'), '/h/sys/bus/mdev/devices/u');
});
