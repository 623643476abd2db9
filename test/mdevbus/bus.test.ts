// openMdevBus over a simulated host: reading parents/types/devices, create and remove with the
// kernel's errnos turned into errors a person can act on.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { holdSimDevice, unholdSimDevice } from '../../src/simhost/kernel.js';
import { ExitCode, VirtMdevError, type ExitCodeValue } from '../../src/util/errors.js';
import { snapshotTree } from '../helpers/cli.js';
import { freshHost, uuidN, until } from '../simhost/sim-helpers.js';

const roundTrips: Array<{ profile: string; parent: string; type: string; api: string; before: Record<string, number>; after: Record<string, number>; sysfs: string; driver: string }> = [
  { profile: 'mtty', parent: 'mtty', type: 'mtty-2', api: 'vfio-pci', before: { 'mtty-1': 24, 'mtty-2': 12 }, after: { 'mtty-1': 22, 'mtty-2': 11 }, sysfs: '/sys/devices/virtual/mtty/mtty', driver: 'mtty' },
  { profile: 'gvt-g', parent: '0000:00:02.0', type: 'i915-GVTg_V5_8', api: 'vfio-pci', before: { 'i915-GVTg_V5_4': 1, 'i915-GVTg_V5_8': 2 }, after: { 'i915-GVTg_V5_4': 0, 'i915-GVTg_V5_8': 1 }, sysfs: '/sys/devices/pci0000:00/0000:00:02.0', driver: 'intel_vgpu_mdev' },
  { profile: 'nvidia', parent: '0000:42:00.0', type: 'nvidia-65', api: 'vfio-pci', before: { 'nvidia-63': 24, 'nvidia-64': 12, 'nvidia-65': 8 }, after: { 'nvidia-63': 0, 'nvidia-64': 0, 'nvidia-65': 7 }, sysfs: '/sys/devices/pci0000:40/0000:40:03.1/0000:42:00.0', driver: 'nvidia-vgpu-vfio' },
  { profile: 'ccw', parent: '0.0.0052', type: 'vfio_ccw-io', api: 'vfio-ccw', before: { 'vfio_ccw-io': 1 }, after: { 'vfio_ccw-io': 0 }, sysfs: '/sys/devices/css0/0.0.0052', driver: 'vfio_ccw_mdev' },
  { profile: 'ap', parent: 'matrix', type: 'vfio_ap-passthrough', api: 'vfio-ap', before: { 'vfio_ap-passthrough': 65536 }, after: { 'vfio_ap-passthrough': 65535 }, sysfs: '/sys/devices/vfio_ap/matrix', driver: 'vfio_ap_mdev' },
];

function offers(bus: ReturnType<typeof openMdevBus>, parent: string): Record<string, number> {
  return Object.fromEntries(bus.getParent(parent).types.map((t) => [t.id, t.availableInstances]));
}

for (const c of roundTrips) {
  test(`${c.profile}: create → list → remove round trip`, async (t) => {
    const h = await freshHost([c.profile]);
    t.teardown(h.cleanup);
    const bus = openMdevBus(h.root);
    const p = bus.getParent(c.parent);
    t.is(p.sysfsPath, c.sysfs);
    t.is(p.types.find((x) => x.id === c.type)?.deviceApi, c.api);
    t.deepEqual(offers(bus, c.parent), c.before);
    const u = uuidN(0xabc);
    const dev = await bus.create(c.parent, c.type, u.toUpperCase());
    t.deepEqual(dev, { uuid: u, parent: c.parent, typeId: c.type, sysfsPath: `${c.sysfs}/${u}`, iommuGroup: 0, driver: c.driver });
    t.deepEqual(bus.listDevices(), [dev]);
    t.deepEqual(bus.findDevice(u.toUpperCase()), dev);
    t.deepEqual(offers(bus, c.parent), c.after);
    t.deepEqual(bus.getParent(c.parent).types.find((x) => x.id === c.type)?.devices, [u]);
    t.is(await bus.remove(u), 'removed');
    t.deepEqual(bus.listDevices(), []);
    t.is(bus.findDevice(u), undefined);
    t.deepEqual(offers(bus, c.parent), c.before);
    t.is(await bus.remove(u), 'absent');
  });
}

test('listParents reports every parent of a combined host, sorted, with driver and subsystem', async (t) => {
  const h = await freshHost(['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap']);
  t.teardown(h.cleanup);
  const ps = openMdevBus(h.root).listParents();
  t.deepEqual(ps.map((p) => [p.name, p.driver, p.subsystem]), [
    ['0.0.0052', 'vfio_ccw', 'css'],
    ['0000:00:02.0', 'i915', 'pci'],
    ['0000:41:00.0', 'nvidia', 'pci'],
    ['0000:42:00.0', 'nvidia', 'pci'],
    ['matrix', 'vfio_ap', 'matrix'],
    ['mtty', undefined, 'mtty'],
  ]);
  const mtty = ps.find((p) => p.name === 'mtty')!;
  t.deepEqual(mtty.types[0], { id: 'mtty-1', parent: 'mtty', name: 'Single port serial', deviceApi: 'vfio-pci', availableInstances: 24, devices: [] });
  t.regex(ps.find((p) => p.name === '0000:41:00.0')!.types[0]!.description ?? '', /framebuffer=1024M/);
});

test('a host without an mdev bus has no parents and no devices', (t) => {
  const bus = openMdevBus(new (class { dir = '/nonexistent-virt-mdev'; p(...x: string[]): string { return path.join(this.dir, ...x); } get mdevBusClass(): string { return this.p('sys/class/mdev_bus'); } get mdevDevices(): string { return this.p('sys/bus/mdev/devices'); } get isSimulated(): boolean { return false; } })() as never);
  t.deepEqual(bus.listParents(), []);
  t.deepEqual(bus.listDevices(), []);
});

async function fails(t: import('ava').ExecutionContext, p: Promise<unknown>, code: ExitCodeValue, re: RegExp): Promise<VirtMdevError> {
  const e = await t.throwsAsync(p);
  t.true(e instanceof VirtMdevError, String(e));
  const v = e as VirtMdevError;
  t.is(v.exitCode, code, v.message);
  t.regex(v.message, re);
  return v;
}

test('create errors name what exists and what is left', async (t) => {
  const h = await freshHost(['mtty', 'nvidia', 'ccw']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  const u = uuidN(1);
  await bus.create('mtty', 'mtty-2', u);
  await fails(t, bus.create('0000:41:00.0', 'nvidia-63', u), ExitCode.EXISTS, /already in use by an mdev of type mtty-2 on parent mtty/);
  await fails(t, bus.create('gpu0', 'nvidia-63', uuidN(2)), ExitCode.NOT_FOUND, /no mdev parent 'gpu0'.*0\.0\.0052, 0000:41:00\.0, 0000:42:00\.0, mtty/);
  await fails(t, bus.create('mtty', 'mtty-9', uuidN(2)), ExitCode.NOT_FOUND, /no mdev type 'mtty-9'.*mtty-1, mtty-2/);
  await bus.create('0.0.0052', 'vfio_ccw-io', uuidN(3));
  const full = await fails(t, bus.create('0.0.0052', 'vfio_ccw-io', uuidN(4)), ExitCode.NO_CAPACITY, /no capacity left \(EUSERS\)/);
  t.deepEqual(full.details, ['parent 0.0.0052: 0 more of vfio_ccw-io available']);
  for (let i = 0; i < 11; i++) await bus.create('mtty', 'mtty-2', uuidN(10 + i));
  const mttyFull = await fails(t, bus.create('mtty', 'mtty-2', uuidN(30)), ExitCode.NO_CAPACITY, /ENOSPC/);
  t.deepEqual(mttyFull.details, ['parent mtty: 0 more of mtty-2 available']);
  await bus.create('0000:41:00.0', 'nvidia-64', uuidN(40));
  const refused = await fails(t, bus.create('0000:41:00.0', 'nvidia-63', uuidN(41)), ExitCode.REFUSED, /vendor driver refused/);
  t.deepEqual(refused.details, ['parent 0000:41:00.0: 0 more of nvidia-63 available', 'parent 0000:42:00.0: 24 more of nvidia-63 available']);
  t.is(bus.findDevice(uuidN(41)), undefined);
});

test('bad names are refused before any path is touched', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  await bus.create('mtty', 'mtty-1', uuidN(1));
  const before = snapshotTree(h.dir);
  await fails(t, bus.create('../../../../etc', 'mtty-1', uuidN(2)), ExitCode.BAD_VALUE, /not a valid parent/);
  await fails(t, bus.create('mtty/../mtty', 'mtty-1', uuidN(2)), ExitCode.BAD_VALUE, /not a valid parent/);
  await fails(t, bus.create('mtty', '../mtty-1', uuidN(2)), ExitCode.BAD_VALUE, /not a valid type id/);
  await fails(t, bus.create('mtty', 'mtty-1/x', uuidN(2)), ExitCode.BAD_VALUE, /not a valid type id/);
  await fails(t, bus.create('mtty', 'mtty-1', '../../x'), ExitCode.BAD_VALUE, /not a UUID/);
  await fails(t, bus.create('mtty', 'mtty-1', uuidN(2) + '/..'), ExitCode.BAD_VALUE, /not a UUID/);
  await fails(t, bus.remove('../' + uuidN(1)), ExitCode.BAD_VALUE, /not a UUID/);
  t.throws(() => bus.findDevice('../x'), { instanceOf: VirtMdevError });
  t.throws(() => bus.getParent('..'), { instanceOf: VirtMdevError });
  t.deepEqual(snapshotTree(h.dir), before);
});

test('a link that leaves the host root is refused', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  fs.symlinkSync('/etc', path.join(h.dir, 'sys/class/mdev_bus/evil'));
  const bus = openMdevBus(h.root);
  t.throws(() => bus.listParents(), { message: /outside the host root/ });
  t.throws(() => bus.getParent('evil'), { message: /outside the host root/ });
});

test('remove of a held device times out, and the removal finishes once the VM lets go', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  const u = uuidN(5);
  await bus.create('mtty', 'mtty-2', u);
  await holdSimDevice(h.root, u);
  t.is(await bus.remove(u, { timeoutMs: 400 }), 'timeout');
  // as on 6.1 (test/real/guest/held.sh): off the bus once the write lands, its directory and share stay
  t.true(await until(() => bus.findDevice(u) === undefined));
  t.true(bus.removalPending(u));
  const dir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty', u);
  t.deepEqual(fs.readdirSync(dir).sort(), ['iommu_group', 'vfio-dev']);
  t.is(bus.getParent('mtty').types[1]!.availableInstances, 11);
  // a later remove (gc's) sees the removal still waiting, not an absent device
  t.is(await bus.remove(u, { timeoutMs: 300 }), 'timeout');
  await unholdSimDevice(h.root, u);
  // the detached writer finishes on its own
  t.true(await until(() => !fs.existsSync(dir)));
  t.is(bus.getParent('mtty').types[1]!.availableInstances, 12);
  t.false(bus.removalPending(u));
  t.is(await bus.remove(u), 'absent');
});

test('a second remove while the first is blocked waits for the same removal', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  const u = uuidN(6);
  await bus.create('mtty', 'mtty-1', u);
  await holdSimDevice(h.root, u);
  t.is(await bus.remove(u, { timeoutMs: 300 }), 'timeout');
  const second = bus.remove(u, { timeoutMs: 20_000 });
  await unholdSimDevice(h.root, u);
  t.is(await second, 'removed');
});
