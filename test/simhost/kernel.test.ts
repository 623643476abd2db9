// The kernel emulation answers each write as kernel 6.1 does (reference §1.3/§1.4/App. B, recipe §8).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { holdSimDevice, isSimDeviceHeld, unholdSimDevice } from '../../src/simhost/kernel.js';
import { snapshotTree } from '../helpers/cli.js';
import { avail, createPath, freshHost, removePath, uuidN, sleep, resolves } from './sim-helpers.js';

interface ErrLike { code?: string; errno?: number; syscall?: string }

async function errOf(p: Promise<void>): Promise<ErrLike | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e as ErrLike;
  }
}

const exists = (dir: string, uuid: string): boolean => fs.existsSync(path.join(dir, 'sys/bus/mdev/devices', uuid));

test('create: validation order and errnos of mtty', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const w = (type: string, data: string): Promise<ErrLike | 'ok'> => errOf(sysfsWrite(h.root, createPath('mtty', type), data));
  const u = uuidN(1);
  const before = snapshotTree(h.dir);
  // zero-length write: no-op
  t.is(await w('mtty-2', ''), 'ok');
  t.deepEqual(snapshotTree(h.dir), before);
  // length must be 36 or 37
  t.like(await w('mtty-2', u + '\n\n'), { code: 'EINVAL', errno: -22, syscall: 'write' });
  t.like(await w('mtty-2', u.slice(0, 35)), { code: 'EINVAL' });
  t.like(await w('mtty-2', u.replace(/-/g, '')), { code: 'EINVAL' });
  t.like(await w('mtty-2', 'not-a-uuid'), { code: 'EINVAL' });
  t.like(await w('mtty-2', 'g' + u.slice(1)), { code: 'EINVAL' });
  t.like(await w('mtty-2', u.replace(/-/g, 'x')), { code: 'EINVAL' });
  t.deepEqual(snapshotTree(h.dir), before);
  // nonexistent type: ENOENT at open
  t.like(await w('mtty-3', u), { code: 'ENOENT', errno: -2, syscall: 'open' });
  // upper case accepted, named lower case; echo's newline is fine
  t.is(await w('mtty-2', u.toUpperCase() + '\n'), 'ok');
  t.true(exists(h.dir, u));
  t.false(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', u.toUpperCase())));
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 22);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 11);
  // duplicate anywhere (same or other type, any case) → EEXIST, before any capacity check
  t.like(await w('mtty-2', u), { code: 'EEXIST', errno: -17 });
  t.like(await w('mtty-1', u.toUpperCase()), { code: 'EEXIST' });
  // a malformed UUID with a valid 36-character head: the 37th byte is not looked at
  t.is(await w('mtty-1', uuidN(2) + 'x'), 'ok');
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 21);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 10);
});

test('create: ENOSPC once the shared 24-port mtty budget is spent', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  for (let i = 0; i < 11; i++) await sysfsWrite(h.root, createPath('mtty', 'mtty-2'), uuidN(100 + i));
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(200));
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 1);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 0);
  t.like(await errOf(sysfsWrite(h.root, createPath('mtty', 'mtty-2'), uuidN(300))), { code: 'ENOSPC', errno: -28 });
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(201));
  t.like(await errOf(sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(301))), { code: 'ENOSPC' });
  // EEXIST still comes before the capacity check
  t.like(await errOf(sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(100))), { code: 'EEXIST' });
  t.false(exists(h.dir, uuidN(300)));
  t.false(exists(h.dir, uuidN(301)));
});

test('create: gvt-g V5_4 and V5_8 share one budget, ENOSPC', async (t) => {
  const h = await freshHost(['gvt-g']);
  t.teardown(h.cleanup);
  const p = '0000:00:02.0';
  await sysfsWrite(h.root, createPath(p, 'i915-GVTg_V5_8'), uuidN(1));
  t.is(avail(h.dir, p, 'i915-GVTg_V5_8'), 1);
  t.is(avail(h.dir, p, 'i915-GVTg_V5_4'), 0);
  t.like(await errOf(sysfsWrite(h.root, createPath(p, 'i915-GVTg_V5_4'), uuidN(2))), { code: 'ENOSPC' });
  await sysfsWrite(h.root, removePath(uuidN(1)), '1');
  t.is(avail(h.dir, p, 'i915-GVTg_V5_4'), 1);
  await sysfsWrite(h.root, createPath(p, 'i915-GVTg_V5_4'), uuidN(2));
  t.is(avail(h.dir, p, 'i915-GVTg_V5_8'), 0);
  t.like(await errOf(sysfsWrite(h.root, createPath(p, 'i915-GVTg_V5_8'), uuidN(3))), { code: 'ENOSPC' });
});

test('create: nvidia takes one type per GPU, EINVAL for another type there', async (t) => {
  const h = await freshHost(['nvidia']);
  t.teardown(h.cleanup);
  const a = '0000:41:00.0';
  const b = '0000:42:00.0';
  await sysfsWrite(h.root, createPath(a, 'nvidia-64'), uuidN(1));
  t.is(avail(h.dir, a, 'nvidia-64'), 11);
  t.is(avail(h.dir, a, 'nvidia-63'), 0);
  t.is(avail(h.dir, a, 'nvidia-65'), 0);
  t.is(avail(h.dir, b, 'nvidia-63'), 24);
  t.like(await errOf(sysfsWrite(h.root, createPath(a, 'nvidia-63'), uuidN(2))), { code: 'EINVAL' });
  await sysfsWrite(h.root, createPath(b, 'nvidia-63'), uuidN(2));
  await sysfsWrite(h.root, removePath(uuidN(1)), '1');
  t.is(avail(h.dir, a, 'nvidia-63'), 24);
  t.is(avail(h.dir, a, 'nvidia-65'), 8);
});

test('create: ccw and ap are counted by the core: EUSERS', async (t) => {
  const h = await freshHost(['ccw', 'ap']);
  t.teardown(h.cleanup);
  await sysfsWrite(h.root, createPath('0.0.0052', 'vfio_ccw-io'), uuidN(1));
  t.is(avail(h.dir, '0.0.0052', 'vfio_ccw-io'), 0);
  t.like(await errOf(sysfsWrite(h.root, createPath('0.0.0052', 'vfio_ccw-io'), uuidN(2))), { code: 'EUSERS', errno: -87 });
  await sysfsWrite(h.root, createPath('matrix', 'vfio_ap-passthrough'), uuidN(3));
  t.is(avail(h.dir, 'matrix', 'vfio_ap-passthrough'), 65535);
  t.is(fs.readFileSync(path.join(h.dir, 'sys/bus/mdev/devices', uuidN(3), 'mdev_type/device_api'), 'utf8'), 'vfio-ap\n');
});

test('remove: 0 is a no-op, non-numbers EINVAL, overflow ERANGE, non-zero removes, gone → ENOENT', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const u = uuidN(1);
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), u);
  const r = (data: string): Promise<ErrLike | 'ok'> => errOf(sysfsWrite(h.root, removePath(u), data));
  t.is(await r('0'), 'ok');
  t.is(await r('0\n'), 'ok');
  t.is(await r('0x0'), 'ok');
  t.true(exists(h.dir, u));
  t.like(await r('abc'), { code: 'EINVAL' });
  t.like(await r('1\n\n'), { code: 'EINVAL' });
  t.like(await r('-1'), { code: 'EINVAL' });
  t.like(await r('08'), { code: 'EINVAL' });
  t.like(await r('99999999999999999999999'), { code: 'ERANGE' });
  t.true(exists(h.dir, u));
  t.is(await r('0x10\n'), 'ok');
  t.false(exists(h.dir, u));
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 24);
  t.like(await r('1'), { code: 'ENOENT', syscall: 'open' });
  // nothing of the device is left: no group, no type link, no driver link
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/kernel/iommu_groups')), []);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/class/vfio')), []);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/class/vfio-dev')), []);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/devices/virtual/vfio')), []);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/devices')), []);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'sys/bus/mdev/drivers/mtty')).filter((n) => n.includes('-') && n.length === 36), []);
  // a removed UUID can be created again, and gets the freed group number back
  await sysfsWrite(h.root, createPath('mtty', 'mtty-2'), u);
  t.is(resolves(h.dir, `sys/bus/mdev/devices/${u}/iommu_group`), 'sys/kernel/iommu_groups/0');
});

test('remove of a held device blocks until it is released', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const u = uuidN(1);
  await sysfsWrite(h.root, createPath('mtty', 'mtty-2'), u);
  await holdSimDevice(h.root, u);
  t.true(isSimDeviceHeld(h.root, u.toUpperCase()));
  let done = false;
  const pending = sysfsWrite(h.root, removePath(u), '1').then(() => { done = true; });
  // as on 6.1 (test/real/guest/held.sh): once the write lands the device is off the bus (device_del ran)
  // while vfio_unregister_group_dev() waits; its directory, group, UUID and share stay
  const dir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty', u);
  for (let i = 0; i < 600 && exists(h.dir, u); i++) await sleep(50);
  t.false(exists(h.dir, u));
  await sleep(300);
  t.false(done);
  t.deepEqual(fs.readdirSync(dir).sort(), ['iommu_group', 'vfio-dev']);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 11);
  // `remove` is gone with the bus link: a second writer gets ENOENT; the UUID is still taken
  t.like(await errOf(sysfsWrite(h.root, removePath(u), '1')), { code: 'ENOENT' });
  t.like(await errOf(sysfsWrite(h.root, createPath('mtty', 'mtty-1'), u)), { code: 'EEXIST' });
  t.true(await unholdSimDevice(h.root, u));
  await pending;
  t.true(done);
  t.false(fs.existsSync(dir));
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 12);
  t.false(await unholdSimDevice(h.root, u));
});

test('a half-built device left by a killed writer is never visible and is cleaned up by the next write', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const good = uuidN(1);
  await sysfsWrite(h.root, createPath('mtty', 'mtty-2'), good);
  const clean = snapshotTree(h.dir);
  // what a writer killed just before its commit point leaves: the device dir and its type link, no bus link
  const half = uuidN(2);
  const pdir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty');
  fs.mkdirSync(path.join(pdir, half));
  fs.writeFileSync(path.join(pdir, half, 'remove'), '');
  fs.symlinkSync('../mdev_supported_types/mtty-1', path.join(pdir, half, 'mdev_type'));
  fs.symlinkSync(`../../../${half}`, path.join(pdir, 'mdev_supported_types/mtty-1/devices', half));
  // and a stale available_instances from a writer killed after its commit point
  fs.writeFileSync(path.join(pdir, 'mdev_supported_types/mtty-1/available_instances'), '3\n');
  t.false(exists(h.dir, half));
  // any write (even a no-op) repairs the tree first
  await sysfsWrite(h.root, removePath(good), '0');
  t.deepEqual(snapshotTree(h.dir), clean);
  // and the half device's UUID is free
  await sysfsWrite(h.root, createPath('mtty', 'mtty-1'), half);
  t.true(exists(h.dir, half));
});

test('writes through a path that leaves the host root are refused', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const e = await errOf(sysfsWrite(h.root, '/sys/../../../etc/passwd', 'x'));
  t.not(e, 'ok');
  t.like(e, { syscall: 'open' });
});
