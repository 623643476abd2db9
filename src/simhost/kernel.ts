// What the kernel does when a simulated host's `create` or `remove` is written (reference §1.3–§1.5,
// Appendix B; measured behaviour in the real-stack recipe §8), with the same validation order and
// errnos. Every change happens under one cross-process lock and becomes visible at a single commit
// point, the /sys/bus/mdev/devices/<uuid> link: a device is built completely before that link
// appears and the link goes first on removal. Whatever a killed writer leaves behind is not on the
// bus and is cleaned up by the next writer (repair()), which also recomputes available_instances.
// One exception, as on 6.1 (measured by test/real/guest/held.sh): a device removed while held open is
// taken off the bus at once (device_del()) but keeps its directory, VFIO group, UUID and share while
// vfio_unregister_group_dev() waits for the last close; the removal then finishes on its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { writeFileAtomic } from '../util/atomic.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { realPath } from '../util/real-path.js';
import { canonicalUuid } from '../util/validate.js';
import { availableInstances, type Usage } from './accounting.js';
import { sysError } from './errno.js';
import { asCleanWrite, batchState, forgetClean, needsRepair } from './clean-stamp.js';
import { inBatch, simLockDir, withSimLock } from './lockname.js';
import { existsNoFollow, joinUnder, newDir, newFile, newLink, readdirQuiet, readlinkQuiet, removeTree, unlinkQuiet } from './layout.js';
import { writeParentTypes } from './parent-layout.js';
import type { SimParentDef } from './profiles.js';
import { parentsWithTypes, readSimState, requireSimState, writeSimState, type SimState } from './state.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// uuid_is_valid(): dashes at 8, 13, 18, 23, hex digits of either case elsewhere
const KERNEL_UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BUS_DEVICES = 'sys/bus/mdev/devices';
const HOLD_POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The simulated kernel's lock; a root that is not a simulated host is refused before a lock file could appear in it. */
function underSimLock<T>(root: HostRoot, fn: () => T): Promise<T> {
  requireSimState(root);
  return withSimLock(root.realDir, fn);
}

interface SimDevice {
  uuid: string;
  /** root-relative device directory */
  rel: string;
  typeId?: string;
  /** the bus link exists and points at this directory */
  committed: boolean;
  /** off the bus, its removal waiting for the last user: it still takes its share */
  removing: boolean;
}

function devicesOf(dir: string, st: SimState, p: SimParentDef): SimDevice[] {
  const out: SimDevice[] = [];
  for (const name of readdirQuiet(joinUnder(dir, p.path))) {
    if (!UUID_RE.test(name)) continue;
    const rel = `${p.path}/${name}`;
    const link = readlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${name}`));
    const committed = link !== undefined && path.normalize(path.join(BUS_DEVICES, link)) === rel;
    const r = committed ? undefined : st.removing[name];
    const mt = readlinkQuiet(joinUnder(dir, `${rel}/mdev_type`));
    out.push({ uuid: name, rel, typeId: mt ? path.basename(mt) : r?.type || undefined, committed, removing: r !== undefined });
  }
  return out;
}

function usageOf(devs: SimDevice[]): Usage {
  const u: Usage = new Map();
  for (const d of devs) if ((d.committed || d.removing) && d.typeId) u.set(d.typeId, (u.get(d.typeId) ?? 0) + 1);
  return u;
}

/** Everything of a device except its bus link (which the caller has already removed or never made). */
function teardown(dir: string, p: SimParentDef, uuid: string): void {
  const rel = `${p.path}/${uuid}`;
  for (const t of p.types) unlinkQuiet(joinUnder(dir, `${p.path}/mdev_supported_types/${t.id}/devices/${uuid}`));
  unlinkQuiet(joinUnder(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/${uuid}`));
  for (const vd of readdirQuiet(joinUnder(dir, `${rel}/vfio-dev`))) unlinkQuiet(joinUnder(dir, `sys/class/vfio-dev/${vd}`));
  const g = readlinkQuiet(joinUnder(dir, `${rel}/iommu_group`));
  if (g) {
    const group = path.basename(g);
    unlinkQuiet(joinUnder(dir, `sys/class/vfio/${group}`));
    removeTree(joinUnder(dir, `sys/devices/virtual/vfio/${group}`));
    const gdir = joinUnder(dir, `sys/kernel/iommu_groups/${group}`);
    unlinkQuiet(joinUnder(gdir, `devices/${uuid}`));
    if (readdirQuiet(joinUnder(gdir, 'devices')).length === 0) removeTree(gdir);
  }
  removeTree(joinUnder(dir, rel));
}

function refreshAvailable(dir: string, p: SimParentDef, usage: Usage): void {
  for (const t of p.types) {
    const file = joinUnder(dir, `${p.path}/mdev_supported_types/${t.id}/available_instances`);
    const want = `${availableInstances(p, t.id, usage)}\n`;
    let have: string | undefined;
    try { have = fs.readFileSync(file, 'utf8'); } catch { /* rewritten below */ }
    if (have !== want) writeFileAtomic(file, want, 0o444, { durable: false });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Bring the tree back to a state the kernel could be in: finish what a killed writer left half done
 * (devices not on the bus are torn down, dangling links dropped), finish a held removal whose device
 * was released after its writer died (the kernel's writer cannot die: it sleeps in D state until the
 * release), and make every available_instances match the devices present.
 */
function repair(dir: string, st: SimState, full = true): boolean {
  let stateChanged = false;
  // a late vendor daemon's types are due: its timer (hotplug.ts) may have died, so whoever comes next adds them
  for (const [name, at] of Object.entries(st.lateTypes)) {
    if (at > Date.now()) continue;
    delete st.lateTypes[name];
    stateChanged = true;
    const p = st.parents.find((x) => x.name === name);
    if (p) writeParentTypes(dir, p);
  }
  for (const [uuid, r] of Object.entries(st.removing)) {
    const present = st.parents.some((p) => fs.existsSync(joinUnder(dir, `${p.path}/${uuid}`)));
    // a live writer finishes its own removal once the device is released
    if (present && (st.held.includes(uuid) || pidAlive(r.pid))) continue;
    delete st.removing[uuid];
    stateChanged = true;
    for (const p of st.parents) if (fs.existsSync(joinUnder(dir, `${p.path}/${uuid}`))) teardown(dir, p, uuid);
  }
  // the tree is as this process's last write left it (clean-stamp.ts): nothing to walk
  if (full || stateChanged) repairTree(dir, st);
  const held = st.held.filter((u) => fs.existsSync(joinUnder(dir, `${BUS_DEVICES}/${u}`)) || st.removing[u] !== undefined);
  if (held.length !== st.held.length) {
    st.held = held;
    stateChanged = true;
  }
  return stateChanged;
}

/** The walk: every parent, type, group and class directory made to match the devices on the bus. */
function repairTree(dir: string, st: SimState): void {
  for (const name of readdirQuiet(joinUnder(dir, BUS_DEVICES))) {
    if (!fs.existsSync(joinUnder(dir, `${BUS_DEVICES}/${name}`))) unlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${name}`));
  }
  for (const p of parentsWithTypes(st)) {
    const devs = devicesOf(dir, st, p);
    for (const d of devs) if (!d.committed && !d.removing) teardown(dir, p, d.uuid);
    for (const t of p.types) {
      const tdev = joinUnder(dir, `${p.path}/mdev_supported_types/${t.id}/devices`);
      for (const n of readdirQuiet(tdev)) if (!fs.existsSync(joinUnder(tdev, n))) unlinkQuiet(joinUnder(tdev, n));
    }
    const drv = joinUnder(dir, `sys/bus/mdev/drivers/${p.mdevDriver}`);
    for (const n of readdirQuiet(drv)) if (UUID_RE.test(n) && !fs.existsSync(joinUnder(drv, n))) unlinkQuiet(joinUnder(drv, n));
    refreshAvailable(dir, p, usageOf(devs));
  }
  // groups of devices that never got (or already lost) their iommu_group link
  const groups = joinUnder(dir, 'sys/kernel/iommu_groups');
  for (const g of readdirQuiet(groups)) {
    const members = readdirQuiet(joinUnder(groups, `${g}/devices`));
    if (!members.some((m) => fs.existsSync(joinUnder(groups, `${g}/devices/${m}`)))) fs.rmSync(joinUnder(groups, g), { recursive: true, force: true });
  }
  for (const g of readdirQuiet(joinUnder(dir, 'sys/devices/virtual/vfio'))) {
    if (!fs.existsSync(joinUnder(groups, g))) fs.rmSync(joinUnder(dir, `sys/devices/virtual/vfio/${g}`), { recursive: true, force: true });
  }
  for (const cls of ['sys/class/vfio', 'sys/class/vfio-dev']) {
    for (const n of readdirQuiet(joinUnder(dir, cls))) if (!fs.existsSync(joinUnder(dir, `${cls}/${n}`))) unlinkQuiet(joinUnder(dir, `${cls}/${n}`));
  }
}

/** the kernel's ida_alloc(): lowest number not in use, so numbers are reused after a remove */
function lowestFree(dir: string, rel: string, prefix: string): number {
  const used = new Set(readdirQuiet(joinUnder(dir, rel)));
  let n = 0;
  while (used.has(`${prefix}${n}`)) n++;
  return n;
}

function buildDevice(dir: string, p: SimParentDef, typeId: string, uuid: string): void {
  const rel = `${p.path}/${uuid}`;
  fs.mkdirSync(joinUnder(dir, rel));
  // everything below is new: each new directory is made once, each file and link written once
  const made = new Set([joinUnder(dir, rel)]);
  const putDir = (r: string): void => newDir(dir, r, made);
  const putFile = (r: string, content: string, mode = 0o444): void => newFile(dir, r, content, mode, made);
  const putLink = (r: string, target: string): void => newLink(dir, r, target, made);
  putFile(`${rel}/uevent`, `DRIVER=${p.mdevDriver}\n`, 0o644);
  putFile(`${rel}/remove`, '', 0o200);
  putDir(`${rel}/power`);
  putFile(`${rel}/power/control`, 'auto\n', 0o644);
  for (const [f, c] of Object.entries(p.childAttrs ?? {})) {
    if (f.includes('/')) putDir(`${rel}/${path.posix.dirname(f)}`);
    putFile(`${rel}/${f}`, c.replaceAll('{uuid}', uuid), c === '' ? 0o644 : 0o444);
  }
  putLink(`${rel}/mdev_type`, `${p.path}/mdev_supported_types/${typeId}`);
  putLink(`${rel}/subsystem`, 'sys/bus/mdev');
  putLink(`${rel}/driver`, `sys/bus/mdev/drivers/${p.mdevDriver}`);
  // 6.x: the vendor probe registers an emulated IOMMU device, which gets a fresh group (lowest free number)
  const g = `sys/kernel/iommu_groups/${lowestFree(dir, 'sys/kernel/iommu_groups', '')}`;
  putDir(g);
  putFile(`${g}/name`, 'vfio-noiommu\n');
  // the group's type is writable (0644) on the real kernel: measured on 6.1 by test/real
  putFile(`${g}/type`, 'unknown\n', 0o644);
  putFile(`${g}/reserved_regions`, '');
  putDir(`${g}/devices`);
  putLink(`${g}/devices/${uuid}`, rel);
  putLink(`${rel}/iommu_group`, g);
  // the VFIO group device (/dev/vfio/<group>) and the device's vfio-dev node, as vfio_register_*_dev makes them
  const group = path.basename(g);
  const vg = `sys/devices/virtual/vfio/${group}`;
  putDir(vg);
  putFile(`${vg}/dev`, `246:${group}\n`);
  putFile(`${vg}/uevent`, `MAJOR=246\nMINOR=${group}\nDEVNAME=vfio/${group}\n`, 0o644);
  putLink(`${vg}/subsystem`, 'sys/class/vfio');
  putLink(`sys/class/vfio/${group}`, vg);
  const vd = `${rel}/vfio-dev/vfio${lowestFree(dir, 'sys/class/vfio-dev', 'vfio')}`;
  putDir(`${rel}/vfio-dev`);
  putDir(vd);
  putFile(`${vd}/uevent`, '', 0o644);
  putDir(`${vd}/power`);
  putFile(`${vd}/power/control`, 'auto\n', 0o644);
  putLink(`${vd}/device`, rel);
  putLink(`${vd}/subsystem`, 'sys/class/vfio-dev');
  putLink(`sys/class/vfio-dev/${path.basename(vd)}`, vd);
  putLink(`${p.path}/mdev_supported_types/${typeId}/devices/${uuid}`, rel);
  putLink(`sys/bus/mdev/drivers/${p.mdevDriver}/${uuid}`, rel);
  // commit point: from here on the device exists
  putLink(`${BUS_DEVICES}/${uuid}`, rel);
}

/** Remove a device and give its share back. */
function destroyDevice(dir: string, st: SimState, p: SimParentDef, uuid: string): void {
  // as in the kernel, the driver's remove() frees the share before the device leaves sysfs
  const usage = usageOf(devicesOf(dir, st, p).filter((d) => d.uuid !== uuid));
  refreshAvailable(dir, p, usage);
  // commit point: the device is gone for every reader
  unlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${uuid}`));
  teardown(dir, p, uuid);
}

type Target =
  | { kind: 'create'; parent: SimParentDef; typeId: string }
  | { kind: 'remove'; parent: SimParentDef; uuid: string }
  | { kind: 'plain' };

/** Resolve the written file the way open(2) would (following links), then recognise what it is. */
function classify(rootReal: string, st: SimState, abs: string): { target: Target; real: string } {
  const base = path.basename(abs);
  let realDir: string;
  try {
    realDir = realPath(path.dirname(abs));
  } catch {
    throw sysError('ENOENT', 'open', abs);
  }
  const real = joinUnder(realDir, base);
  if (realDir !== rootReal && !realDir.startsWith(rootReal + path.sep)) throw sysError('EACCES', 'open', abs);
  if (!existsNoFollow(real)) throw sysError('ENOENT', 'open', abs);
  const relDir = path.relative(rootReal, realDir);
  if (base === 'create' && path.basename(path.dirname(relDir)) === 'mdev_supported_types') {
    const parentRel = path.dirname(path.dirname(relDir));
    const parent = parentsWithTypes(st).find((p) => p.path === parentRel);
    const typeId = path.basename(relDir);
    if (parent && parent.types.some((t) => t.id === typeId)) return { target: { kind: 'create', parent, typeId }, real };
  }
  if (base === 'remove' && UUID_RE.test(path.basename(relDir))) {
    const parent = parentsWithTypes(st).find((p) => p.path === path.dirname(relDir));
    if (parent) return { target: { kind: 'remove', parent, uuid: path.basename(relDir) }, real };
  }
  return { target: { kind: 'plain' }, real };
}

function createStore(dir: string, st: SimState, parent: SimParentDef, typeId: string, data: Buffer): void {
  if (data.length === 0) return;
  if (data.length !== 36 && data.length !== 37) throw sysError('EINVAL', 'write');
  // guid_parse() looks at the first 36 characters only; a 37th byte (echo's newline) is ignored
  const text = data.subarray(0, 36).toString('latin1');
  if (!KERNEL_UUID_RE.test(text)) throw sysError('EINVAL', 'write');
  const uuid = text.toLowerCase();
  // a device whose removal waits for its last user is still on the mdev core's list
  if (existsNoFollow(joinUnder(dir, `${BUS_DEVICES}/${uuid}`)) || st.removing[uuid] !== undefined) throw sysError('EEXIST', 'write');
  const devs = devicesOf(dir, st, parent);
  const usage = usageOf(devs);
  const avail = availableInstances(parent, typeId, usage);
  if (parent.accounting === 'core') {
    if (avail <= 0) throw sysError('EUSERS', 'write');
  } else {
    // the vendor driver's probe decides: NVIDIA refuses a second type on a time-sliced GPU
    if (parent.exclusiveTypes && [...usage].some(([t, n]) => t !== typeId && n > 0)) throw sysError('EINVAL', 'write');
    if (avail <= 0) throw sysError(parent.exhaustedErrno, 'write');
  }
  // the driver takes its share in probe, before the device shows up (a killed writer's share is
  // given back by repair(), which counts only devices on the bus)
  usage.set(typeId, (usage.get(typeId) ?? 0) + 1);
  refreshAvailable(dir, parent, usage);
  try {
    buildDevice(dir, parent, typeId, uuid);
  } catch (e) {
    // e.g. the disk of the simulated host is full: leave no trace, as a failed probe does
    unlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${uuid}`));
    teardown(dir, parent, uuid);
    usage.set(typeId, (usage.get(typeId) ?? 1) - 1);
    refreshAvailable(dir, parent, usage);
    throw e;
  }
}

/** kstrtoul(buf, 0): optional '+', base from prefix, one trailing newline allowed. */
function parseRemoveValue(data: Buffer): bigint {
  let s = data.toString('latin1');
  if (s.endsWith('\n')) s = s.slice(0, -1);
  if (s.startsWith('+')) s = s.slice(1);
  let digits: RegExp;
  let prefix = '';
  if (/^0[xX]/.test(s)) { prefix = '0x'; s = s.slice(2); digits = /^[0-9a-fA-F]+$/; }
  else if (/^0./.test(s)) { prefix = '0o'; s = s.slice(1); digits = /^[0-7]+$/; }
  else digits = /^[0-9]+$/;
  if (!digits.test(s)) throw sysError('EINVAL', 'write');
  const v = BigInt(prefix + s);
  if (v > 0xffffffffffffffffn) throw sysError('ERANGE', 'write');
  return v;
}

/**
 * The kernel's answer to one write(2) of data to hostPath on a simulated host. Resolves when the
 * write would return; rejects with a Node-style error (code, errno, syscall) when it would fail.
 * A remove of a held device blocks (polls) until the device is released, as QEMU's open fd would.
 */
export async function simKernelWrite(root: HostRoot, hostPath: string, data: string | Uint8Array): Promise<void> {
  const dir = root.dir;
  const buf = Buffer.isBuffer(data) ? data : typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  // hostPath is absolute in the host: '/sys/…'
  const abs = joinUnder(dir, hostPath.startsWith('/') ? hostPath.slice(1) : hostPath);
  const rootReal = root.realDir;
  const batchOf = inBatch(rootReal) ? rootReal : undefined;
  const write = (): string | undefined => {
    // the batch's previous write left the state as it is (no other process can write meanwhile)
    const st = batchState(dir) ?? requireSimState(root);
    const lockDir = simLockDir(rootReal);
    const full = needsRepair(dir, lockDir, st);
    return asCleanWrite(dir, lockDir, () => writeLocked(dir, rootReal, st, abs, buf, full), () => st, batchOf);
  };
  const blockedOn = await (batchState(dir) !== undefined ? withSimLock(rootReal, write) : underSimLock(root, write));
  if (blockedOn !== undefined) await waitUntilReleased(root, blockedOn);
}

/** One write under the kernel lock, on a repaired tree; the UUID of a held device whose removal now blocks. */
function writeLocked(dir: string, rootReal: string, st: SimState, abs: string, buf: Buffer, full: boolean): string | undefined {
  const changed = repair(dir, st, full);
  try {
    const { target, real } = classify(rootReal, st, abs);
    switch (target.kind) {
      case 'create':
        createStore(dir, st, target.parent, target.typeId, buf);
        return undefined;
      case 'remove': {
        if (buf.length === 0) return undefined;
        if (parseRemoveValue(buf) === 0n) return undefined;
        if (!existsNoFollow(joinUnder(dir, `${BUS_DEVICES}/${target.uuid}`))) throw sysError('ENODEV', 'write');
        if (st.held.includes(target.uuid)) {
          detachHeld(dir, st, target.parent, target.uuid);
          writeSimState(dir, st);
          return target.uuid;
        }
        destroyDevice(dir, st, target.parent, target.uuid);
        return undefined;
      }
      case 'plain': {
        // an ordinary attribute: the write lands in the file, as on a driver that just stores it
        const fd = fs.openSync(real, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
        try { fs.writeSync(fd, buf); } finally { fs.closeSync(fd); }
        return undefined;
      }
    }
  } finally {
    if (changed) writeSimState(dir, st);
  }
}

/**
 * What 6.1 does before vfio_unregister_group_dev() waits for the last user (mdev_device_remove_common:
 * mdev_remove_sysfs_files(), then device_del(): off the bus, driver unbound, attributes gone): what
 * stays is the directory with iommu_group and vfio-dev, the group's /dev/vfio node, the UUID and the share.
 */
function detachHeld(dir: string, st: SimState, p: SimParentDef, uuid: string): void {
  const rel = `${p.path}/${uuid}`;
  const mt = readlinkQuiet(joinUnder(dir, `${rel}/mdev_type`));
  st.removing[uuid] = { pid: process.pid, type: mt ? path.basename(mt) : '' };
  unlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${uuid}`));
  for (const t of p.types) unlinkQuiet(joinUnder(dir, `${p.path}/mdev_supported_types/${t.id}/devices/${uuid}`));
  unlinkQuiet(joinUnder(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/${uuid}`));
  for (const name of readdirQuiet(joinUnder(dir, rel))) {
    if (name !== 'iommu_group' && name !== 'vfio-dev') fs.rmSync(joinUnder(dir, `${rel}/${name}`), { recursive: true, force: true });
  }
}

async function waitUntilReleased(root: HostRoot, uuid: string): Promise<void> {
  for (;;) {
    await sleep(HOLD_POLL_MS);
    const st = readSimState(root.dir);
    if (!st) throw sysError('ENODEV', 'write'); // the simulated host itself was deleted
    if (st.held.includes(uuid)) continue;
    await underSimLock(root, () => {
      const now = requireSimState(root);
      // a reboot or an unplug took the device (and this removal) away meanwhile
      if (now.removing[uuid]?.pid !== process.pid) throw sysError('ENODEV', 'write');
      forgetClean(root.dir, simLockDir(root.realDir));
      for (const p of now.parents) {
        if (fs.existsSync(joinUnder(root.dir, `${p.path}/${uuid}`))) destroyDevice(root.dir, now, p, uuid);
      }
      delete now.removing[uuid];
      writeSimState(root.dir, now);
    });
    return;
  }
}

/**
 * Run fn under the simulated kernel's lock, on a repaired tree, with the kernel's state; the state is
 * written back afterwards. For changes that are not a sysfs write (reboot, hot-plug).
 */
export async function withSimKernel<T>(root: HostRoot, fn: (st: SimState) => T): Promise<T> {
  return underSimLock(root, () => {
    const st = requireSimState(root);
    forgetClean(root.dir, simLockDir(root.realDir));
    const repaired = repair(root.dir, st);
    let done = false;
    try {
      const out = fn(st);
      done = true;
      return out;
    } finally {
      // fn refuses bad input before it changes anything, so on a throw only the repair is worth keeping
      if (done || repaired) writeSimState(root.dir, st);
    }
  });
}

/**
 * What the kernel does to a parent's children at shutdown or when the parent unregisters: every one
 * goes, held open or not, and a removal blocked on one is over. Returns the UUIDs that were on the bus.
 * With refresh, the parent's available_instances are back to full afterwards.
 */
export function removeAllChildren(dir: string, st: SimState, p: SimParentDef, refresh: boolean): string[] {
  const gone: string[] = [];
  for (const d of devicesOf(dir, st, p)) {
    // the bus link goes first, as in destroyDevice: from then on the device is gone for every reader
    if (d.committed || d.removing) {
      unlinkQuiet(joinUnder(dir, `${BUS_DEVICES}/${d.uuid}`));
      gone.push(d.uuid);
    }
    teardown(dir, p, d.uuid);
    st.held = st.held.filter((u) => u !== d.uuid);
    delete st.removing[d.uuid];
  }
  if (refresh) refreshAvailable(dir, p, new Map());
  return gone.sort();
}

function notFoundDevice(root: HostRoot, uuid: string): VirtMdevError {
  return new VirtMdevError(ExitCode.NOT_FOUND, 'no-device',
    `no mdev ${uuid} on simulated host ${root.dir}: list devices with 'virt-mdev nodedev-list --cap mdev'`);
}

/** Mark a simulated device as held open by a VM: removing it blocks until unholdSimDevice. */
export async function holdSimDevice(root: HostRoot, uuidIn: string): Promise<void> {
  const uuid = canonicalUuid(uuidIn);
  await underSimLock(root, () => {
    const st = requireSimState(root);
    forgetClean(root.dir, simLockDir(root.realDir));
    repair(root.dir, st);
    if (!existsNoFollow(joinUnder(root.dir, `${BUS_DEVICES}/${uuid}`))) throw notFoundDevice(root, uuid);
    if (!st.held.includes(uuid)) st.held.push(uuid);
    writeSimState(root.dir, st);
  });
}

/** Release a held device; a blocked remove then completes. Returns false when it was not held. */
export async function unholdSimDevice(root: HostRoot, uuidIn: string): Promise<boolean> {
  const uuid = canonicalUuid(uuidIn);
  return underSimLock(root, () => {
    const st = requireSimState(root);
    forgetClean(root.dir, simLockDir(root.realDir));
    const was = st.held.includes(uuid);
    st.held = st.held.filter((u) => u !== uuid);
    writeSimState(root.dir, st);
    return was;
  });
}

export function isSimDeviceHeld(root: HostRoot, uuidIn: string): boolean {
  const uuid = canonicalUuid(uuidIn);
  return readSimState(root.dir)?.held.includes(uuid) ?? false;
}

/** UUIDs currently held open on a simulated host. */
export function heldSimDevices(root: HostRoot): string[] {
  return [...(readSimState(root.dir)?.held ?? [])];
}
