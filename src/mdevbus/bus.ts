// MdevBus over a host root's sysfs layout (reference §1.1, §1.4): the same code reads a real '/' and
// a simulated host, because both are the same tree of files and relative links. Writes go through
// sysfsWrite. Only Node built-ins are imported: the libvirt hook loads this module.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outsideRootError, readHostFile } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { linuxErrnoName } from '../simhost/errno.js';
import { withSimLock, withSimLockHeld, withSimLockOnWrite } from '../simhost/lockname.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { realPath } from '../util/real-path.js';
import { entryScript } from '../util/package-layout.js';
import { canonicalUuid, checkParentName, checkTypeId, isUuid, printable } from '../util/validate.js';
import { errnoOfRemoveExit, removeExitStatusOf } from './remove-status.js';
import { parseShReport, SH_REMOVER_SCRIPT, shRemoverCommand } from './sh-remover.js';
import { sysfsWrite } from './sysfs-write.js';
import type { ListOptions, MdevBus, MdevDevice, MdevParent, MdevType, RemoveOptions, RemoveOutcome } from './types.js';

const SAFE_ENTRY = /^[A-Za-z0-9_.:+@-]{1,128}$/;
/** sysfs attributes are at most a page (description included) */
const MAX_ATTR_BYTES = 64 * 1024;
const DEFAULT_REMOVE_TIMEOUT_MS = 30_000;
/** libvirt waits the same for the uevent/sysfs race after a create (virFileWaitForExists, 10 × 100 ms) */
const APPEAR_WAIT_MS = 1000;
const POLL_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the remover said about one device: its write's status (null: it died without saying), or why it never started. */
interface RemoverReport {
  status?: number | null;
  spawnError?: Error;
  deadline: number;
}

/**
 * dir/name for a directory that is absolute and normalised (a realpath, a HostRoot path) and one
 * checked name: what path.join gives, without normalising the whole path again (a listing builds
 * some 300 paths, and path.join's character loop is most of its JavaScript).
 */
function sub(dir: string, name: string): string {
  return `${dir}/${name}`;
}

/** One line of the Node remover (remove-child.ts): {"uuid", "status"} */
function parseNodeReport(line: string): { uuid: string; status: number } | undefined {
  try {
    const r = JSON.parse(line) as { uuid?: unknown; status?: unknown };
    return typeof r.uuid === 'string' && typeof r.status === 'number' ? { uuid: r.uuid, status: r.status } : undefined;
  } catch {
    return undefined; // not a report
  }
}

function safeEntry(name: string): boolean {
  return SAFE_ENTRY.test(name) && name !== '.' && name !== '..' && !name.includes('..');
}

function linkBase(file: string): string | undefined {
  try {
    return path.basename(fs.readlinkSync(file));
  } catch {
    return undefined;
  }
}

function errnoOf(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err || typeof err !== 'object') return undefined;
  if (typeof err.code === 'string' && err.code !== 'UNKNOWN') return err.code;
  if (typeof err.errno === 'number') return linuxErrnoName(err.errno);
  return undefined;
}

/** getParent's answer for a parent that is not registered; shared with planners that work on a snapshot */
export function noParentError(name: string, have: readonly string[], rootDir: string): VirtMdevError {
  return new VirtMdevError(ExitCode.NOT_FOUND, 'no-parent',
    `no mdev parent '${name}' on host root ${rootDir}: ${have.length ? `the parents are ${have.join(', ')}` : 'this host has no mdev parents (is the vendor driver loaded?)'}`);
}

class SysfsMdevBus implements MdevBus {
  private readonly rootReal: string;
  /** the root's sys/class/mdev_bus and sys/bus/mdev/devices, joined once */
  private readonly busClass: string;
  private readonly devicesDir: string;

  constructor(private readonly root: HostRoot) {
    this.rootReal = root.realDir;
    this.busClass = root.mdevBusClass;
    this.devicesDir = root.mdevDevices;
  }

  /**
   * realpath of abs, refused when it leaves the host root (a crafted link in a simulated tree). Not
   * Node's own realpath, which lstats every component (a listing resolves ~70 paths): realPath asks
   * the kernel about the open directory
   */
  private resolveInside(abs: string, what: string): string {
    const real = realPath(abs);
    if (!this.root.contains(real)) throw outsideRootError(this.root, what, abs, real);
    return real;
  }

  /**
   * A directory below a parent's resolved path must not lead out of the root either (a type linked
   * elsewhere). Checked only on a simulated root: on '/' everything is inside. A missing one is
   * left to the caller.
   */
  private checkInside(abs: string, what: string): void {
    if (this.rootReal === '/') return;
    try {
      this.resolveInside(abs, what);
    } catch (e) {
      if (e instanceof VirtMdevError) throw e;
    }
  }

  /** A small sysfs attribute, without its final newline; undefined when absent or unreadable. */
  private readTrim(file: string): string | undefined {
    try {
      const r = readHostFile(this.root, file, MAX_ATTR_BYTES, {}, 'sysfs attribute');
      return r.ok ? r.data.toString('utf8').replace(/\n$/, '') : undefined;
    } catch (e) {
      if (e instanceof VirtMdevError) throw e;
      return undefined;
    }
  }

  private hostPath(real: string): string {
    if (this.rootReal === '/') return real;
    return real.startsWith(this.rootReal + '/') ? real.slice(this.rootReal.length) : '/' + path.relative(this.rootReal, real);
  }

  private parentNames(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root.mdevBusClass);
    } catch {
      return [];
    }
    return names.filter(safeEntry).sort();
  }

  private readType(parent: string, typesDir: string, id: string, attributes: boolean): MdevType {
    const dir = sub(typesDir, id);
    this.checkInside(dir, 'mdev type directory');
    let devices: string[] = [];
    try {
      devices = fs.readdirSync(sub(dir, 'devices')).filter((u) => isUuid(u)).sort();
    } catch { /* a type without devices/ lists none */ }
    if (!attributes) return { id, parent, deviceApi: '', availableInstances: 0, devices };
    const avail = Number.parseInt(this.readTrim(sub(dir, 'available_instances')) ?? '', 10);
    const t: MdevType = {
      id,
      parent,
      deviceApi: this.readTrim(sub(dir, 'device_api')) ?? '',
      availableInstances: Number.isFinite(avail) && avail >= 0 ? avail : 0,
      devices,
    };
    const name = this.readTrim(sub(dir, 'name'));
    if (name !== undefined) t.name = name;
    // description is free text (several lines for NVIDIA and GVT-g): keep it, minus the final newline
    const desc = this.readTrim(sub(dir, 'description'));
    if (desc !== undefined) t.description = desc;
    return t;
  }

  private readParent(name: string, attributes = true): MdevParent | undefined {
    const link = sub(this.busClass, name);
    let real: string;
    try {
      real = this.resolveInside(link, 'mdev parent link');
    } catch (e) {
      if (e instanceof VirtMdevError) throw e;
      return undefined; // dangling: the parent is unregistering
    }
    const typesDir = sub(real, 'mdev_supported_types');
    this.checkInside(typesDir, 'mdev_supported_types directory');
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(typesDir).filter(safeEntry).sort();
    } catch { /* a parent without types */ }
    const p: MdevParent = {
      name,
      sysfsPath: this.hostPath(real),
      types: ids.map((id) => this.readType(name, typesDir, id, attributes)),
    };
    const driver = linkBase(sub(real, 'driver'));
    if (driver !== undefined) p.driver = driver;
    const subsystem = linkBase(sub(real, 'subsystem'));
    if (subsystem !== undefined) p.subsystem = subsystem;
    return p;
  }

  listParents(o: ListOptions = {}): MdevParent[] {
    const out: MdevParent[] = [];
    for (const n of this.parentNames()) {
      const p = this.readParent(n, o.attributes !== false);
      if (p) out.push(p);
    }
    return out;
  }

  getParent(name: string): MdevParent {
    checkParentName(name);
    const p = fs.existsSync(path.join(this.root.mdevBusClass, name)) ? this.readParent(name) : undefined;
    if (!p) throw noParentError(name, this.parentNames(), this.root.dir);
    return p;
  }

  /** parent realpath → class link name, to name a device's parent the way the kernel registered it */
  private parentIndex(): Map<string, string> {
    const idx = new Map<string, string>();
    for (const n of this.parentNames()) {
      try { idx.set(this.resolveInside(sub(this.busClass, n), 'mdev parent link'), n); } catch (e) {
        if (e instanceof VirtMdevError) throw e;
      }
    }
    return idx;
  }

  private readDevice(uuid: string, idx: Map<string, string>, attributes: boolean): MdevDevice | undefined {
    let real: string;
    try {
      real = this.resolveInside(sub(this.devicesDir, uuid), 'mdev device link');
    } catch (e) {
      if (e instanceof VirtMdevError) throw e;
      return undefined; // removed meanwhile
    }
    const parentReal = path.dirname(real);
    const parent = idx.get(parentReal) ?? path.basename(parentReal);
    if (!attributes) return { uuid, parent, typeId: '', sysfsPath: this.hostPath(real) };
    let typeId = linkBase(sub(real, 'mdev_type'));
    if (typeId === undefined) {
      // the mdev_type link appears a moment after the device (uevent race): find it in the type's devices/
      const typesDir = path.join(parentReal, 'mdev_supported_types');
      try {
        typeId = fs.readdirSync(typesDir).find((t) => fs.existsSync(path.join(typesDir, t, 'devices', uuid)));
      } catch { /* unknown */ }
    }
    const dev: MdevDevice = { uuid, parent, typeId: typeId ?? '', sysfsPath: this.hostPath(real) };
    const group = linkBase(sub(real, 'iommu_group'));
    if (group !== undefined && /^\d+$/.test(group)) dev.iommuGroup = Number(group);
    const driver = linkBase(sub(real, 'driver'));
    if (driver !== undefined) dev.driver = driver;
    return dev;
  }

  listDevices(o: ListOptions = {}): MdevDevice[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root.mdevDevices);
    } catch {
      return [];
    }
    const idx = this.parentIndex();
    const out: MdevDevice[] = [];
    for (const n of names) {
      if (!isUuid(n)) continue;
      const d = this.readDevice(n, idx, o.attributes !== false);
      if (d) out.push(d);
    }
    return out.sort((a, b) => (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  }

  findDevice(uuidIn: string): MdevDevice | undefined {
    const uuid = canonicalUuid(uuidIn);
    if (!fs.existsSync(path.join(this.root.mdevDevices, uuid))) return undefined;
    return this.readDevice(uuid, this.parentIndex(), true);
  }

  /** "P: N of T available" for every parent that has type T */
  private offers(typeId: string): string[] {
    const lines: string[] = [];
    for (const p of this.listParents()) {
      const t = p.types.find((x) => x.id === typeId);
      if (t) lines.push(`parent ${p.name}: ${t.availableInstances} more of ${typeId} available`);
    }
    return lines.length ? lines : [`no parent on this host offers ${typeId}`];
  }

  async create(parentName: string, typeIdIn: string, uuidIn: string): Promise<MdevDevice> {
    checkParentName(parentName);
    const typeId = checkTypeId(typeIdIn);
    const uuid = canonicalUuid(uuidIn);
    const parentSysfs = this.typeDirOf(parentName, typeId) ?? this.parentOffering(parentName, typeId);
    const createPath = `/sys/class/mdev_bus/${parentName}/mdev_supported_types/${typeId}/create`;
    try {
      await sysfsWrite(this.root, createPath, uuid);
    } catch (e) {
      throw this.createError(e, parentName, typeId, uuid, createPath);
    }
    const deadline = Date.now() + (this.root.isSimulated ? 0 : APPEAR_WAIT_MS);
    for (;;) {
      const dev = this.findDevice(uuid);
      if (dev && dev.typeId) return dev;
      if (Date.now() >= deadline) {
        return dev ?? { uuid, parent: parentName, typeId, sysfsPath: `${parentSysfs}/${uuid}` };
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * The parent's host path when it is registered and offers typeId (what a create needs, without
   * reading every type's attributes); undefined otherwise.
   */
  private typeDirOf(parentName: string, typeId: string): string | undefined {
    if (!safeEntry(parentName) || !safeEntry(typeId)) return undefined;
    let real: string;
    try {
      real = this.resolveInside(path.join(this.root.mdevBusClass, parentName), 'mdev parent link');
    } catch (e) {
      if (e instanceof VirtMdevError) throw e;
      return undefined;
    }
    const typeDir = path.join(real, 'mdev_supported_types', typeId);
    this.checkInside(typeDir, 'mdev type directory');
    return fs.existsSync(typeDir) ? this.hostPath(real) : undefined;
  }

  /** The slow way, for what typeDirOf did not find: getParent's refusals, or the parent's path when it lists the type after all. */
  private parentOffering(parentName: string, typeId: string): string {
    const parent = this.getParent(parentName);
    if (!parent.types.some((t) => t.id === typeId)) {
      const have = parent.types.map((t) => t.id);
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
        `parent ${parentName} has no mdev type '${typeId}': ${have.length ? `its types are ${have.join(', ')}` : 'it offers no types'}`);
    }
    return parent.sysfsPath;
  }

  private createError(e: unknown, parent: string, typeId: string, uuid: string, createPath: string): unknown {
    const code = errnoOf(e);
    const what = `mdev ${uuid} of type ${typeId} on parent ${parent}`;
    switch (code) {
      case 'EEXIST': {
        const holder = this.findDevice(uuid);
        const where = holder ? `an mdev of type ${holder.typeId || '?'} on parent ${holder.parent}` : 'another mdev';
        return new VirtMdevError(ExitCode.EXISTS, 'uuid-in-use',
          `cannot create ${what}: the UUID is already in use by ${where}; pick another UUID or remove that device first`, { cause: e });
      }
      case 'ENOSPC':
      case 'EUSERS':
        return new VirtMdevError(ExitCode.NO_CAPACITY, 'no-capacity',
          `cannot create ${what}: no capacity left (${code}); free an instance or use another parent`, { cause: e, details: this.offers(typeId) });
      case 'EINVAL':
        return new VirtMdevError(ExitCode.REFUSED, 'refused',
          `cannot create ${what}: the vendor driver refused it (EINVAL); check that the parent can host this type now (NVIDIA GPUs take one type at a time) and the driver's kernel log`,
          { cause: e, details: this.offers(typeId) });
      case 'ENOENT':
      case 'ENODEV':
        return new VirtMdevError(ExitCode.NOT_FOUND, 'gone',
          `cannot create ${what}: the type or parent is gone (${code}); is the vendor driver still bound?`, { cause: e });
      case 'EACCES':
      case 'EPERM':
        return new VirtMdevError(ExitCode.HOST, 'permission',
          `cannot write ${createPath} under ${this.root.dir}: permission denied; run as root`, { cause: e });
      default:
        return new VirtMdevError(ExitCode.FAILURE, 'create-failed',
          `cannot create ${what}: ${code ?? printable(String((e as Error)?.message ?? e))}`, { cause: e });
    }
  }

  /**
   * The directory of a device whose removal waits for its last user: 6.1 takes a device off the bus
   * (and drops its remove, mdev_type and driver links) before vfio_unregister_group_dev() blocks, but
   * its directory, VFIO group, UUID and share stay until QEMU lets go (test/real/guest/held.sh).
   */
  private lingering(uuid: string): string | undefined {
    for (const real of this.parentIndex().keys()) {
      const dir = path.join(real, uuid);
      if (fs.existsSync(dir)) return dir;
    }
    return undefined;
  }

  removalPending(uuidIn: string): boolean {
    const uuid = canonicalUuid(uuidIn);
    return !fs.existsSync(path.join(this.root.mdevDevices, uuid)) && this.lingering(uuid) !== undefined;
  }

  async remove(uuidIn: string, opts: RemoveOptions = {}): Promise<RemoveOutcome> {
    const [r] = await this.removeEach([uuidIn], opts);
    if (r instanceof Error) throw r;
    return r!;
  }

  async removeEach(uuidsIn: readonly string[], opts: RemoveOptions = {}): Promise<Array<RemoveOutcome | Error>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REMOVE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const results = new Map<string, Promise<RemoveOutcome | Error>>();
    const dirs = new Map<string, string>();
    const canon = uuidsIn.map((u) => {
      try {
        return canonicalUuid(u);
      } catch (e) {
        return e as Error;
      }
    });
    for (const u of canon) {
      if (u instanceof Error || results.has(u) || dirs.has(u)) continue;
      const link = path.join(this.root.mdevDevices, u);
      if (fs.existsSync(link)) {
        try {
          dirs.set(u, this.resolveInside(link, 'mdev device link'));
        } catch (e) {
          results.set(u, Promise.resolve(e as Error));
        }
        continue;
      }
      // off the bus: gone, or an earlier removal still waits for the device's last user
      const waiting = this.lingering(u);
      results.set(u, waiting === undefined ? Promise.resolve('absent') : this.awaitGone(waiting, deadline));
    }
    if (dirs.size > 0) {
      const reports = this.root.isSimulated ? await this.removeUnblocking([...dirs.keys()], deadline) : new Map<string, RemoverReport>();
      const rest = [...dirs.keys()].filter((u) => !reports.has(u));
      if (rest.length > 0) for (const [u, r] of await this.runRemover(rest, deadline)) reports.set(u, r);
      for (const [u, dir] of dirs) results.set(u, this.outcomeOf(u, dir, reports.get(u)));
    }
    const settled = new Map<string, RemoveOutcome | Error>();
    for (const [u, r] of results) settled.set(u, await r);
    return canon.map((u) => (u instanceof Error ? u : settled.get(u)!));
  }

  /**
   * On a simulated host, the removes no write can block: devices no simulated VM holds, all written
   * here under one hold of the emulation's lock (the emulation answers them at once; checked under
   * that lock, so no hold begins meanwhile). A held device is left out, for the remover process,
   * whose write blocks as the kernel's would and outlives this process if need be.
   */
  private async removeUnblocking(uuids: string[], deadline: number): Promise<Map<string, RemoverReport>> {
    const reports = new Map<string, RemoverReport>();
    const { heldSimDevices } = await import('../simhost/kernel.js');
    try {
      await withSimLockHeld(this.rootReal, async () => {
        const held = heldSimDevices(this.root);
        for (const u of uuids) {
          if (held.includes(u)) continue;
          try {
            await sysfsWrite(this.root, `/sys/bus/mdev/devices/${u}/remove`, '1');
            reports.set(u, { status: 0, deadline });
          } catch (e) {
            reports.set(u, { status: removeExitStatusOf(e), deadline });
          }
        }
      }, { timeoutMs: Math.max(1000, deadline - Date.now()) });
    } catch {
      // the emulation's lock stayed busy (or its state unreadable): what is not done yet goes to the
      // remover process, which waits for the lock on its own, past this call's bound if need be
    }
    return reports;
  }

  /**
   * One detached remover process for all the devices: it reports each write's status as it returns
   * (sh-remover.ts on a real kernel, remove-child.ts on a simulated host). Resolves at the latest at the deadline, with what was reported by then; a
   * missing report is a write still blocked (or a remover that died: see outcomeOf).
   */
  private runRemover(uuids: string[], deadline: number): Promise<Map<string, RemoverReport>> {
    const reports = new Map<string, RemoverReport>();
    return new Promise((resolve) => {
      // a real kernel's removes need no Node: a /bin/sh and dd (sh-remover.ts); a simulated host's need
      // our emulation of the kernel, in the Node remover
      const sh = this.root.isSimulated ? undefined : shRemoverCommand();
      const parse = sh ? parseShReport : parseNodeReport;
      const child = sh
        // C locale: dd's error texts name the errno (sh-remover.ts)
        ? spawn(sh.file, ['-c', SH_REMOVER_SCRIPT, 'virt-mdev-remover', sh.dd, this.root.dir, ...uuids],
          { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' } })
        // a blocked remove holds one libuv pool thread: one thread per device, so none waits for another's
        : spawn(process.execPath, [entryScript('remove-child'), this.root.dir, ...uuids], {
          detached: true, stdio: ['ignore', 'pipe', 'ignore'],
          env: { ...process.env, UV_THREADPOOL_SIZE: String(Math.min(1024, Math.max(4, uuids.length + 1))) },
        });
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // never let a removal the kernel blocks keep the caller (a libvirt hook) alive
        child.stdout?.destroy();
        child.unref();
        resolve(reports);
      };
      timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      let buffered = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const r = parse(line);
          if (r && uuids.includes(r.uuid)) reports.set(r.uuid, { status: r.status, deadline });
        }
        if (reports.size === uuids.length) finish();
      });
      child.stdout?.on('error', () => undefined);
      child.once('error', (err) => {
        for (const u of uuids) if (!reports.has(u)) reports.set(u, { spawnError: err, deadline });
        finish();
      });
      // the remover ended (and its pipe is drained) without reporting some device: its exit status
      // is the answer for those (0 without a report means it could not say)
      child.once('close', (code) => {
        for (const u of uuids) if (!reports.has(u)) reports.set(u, { status: code === 0 ? null : code, deadline });
        finish();
      });
    });
  }

  /**
   * A device's outcome from its report. The write's return is the answer: it returns only once the
   * device is completely gone. The bus link is not: it goes the moment the removal starts, held open
   * or not, so what counts is the device's directory.
   */
  private async outcomeOf(uuid: string, dir: string, r: RemoverReport | undefined): Promise<RemoveOutcome | Error> {
    try {
      if (r?.spawnError) {
        throw new VirtMdevError(ExitCode.FAILURE, 'remove-failed', `cannot start the removal of mdev ${uuid}: ${r.spawnError.message}`, { cause: r.spawnError });
      }
      if (r && r.status === 0) return 'removed';
      // ENOENT/ENODEV/EAGAIN: another writer's removal got there first; it is ours to wait for
      if (r && this.removeExit(uuid, r.status ?? null)) return await this.awaitGone(dir, r.deadline);
      // no report by the deadline: the write is still blocked unless the device went meanwhile
      return fs.existsSync(dir) ? 'timeout' : await this.settled('removed');
    } catch (e) {
      return e as Error;
    }
  }

  /** Wait until a device directory whose removal someone else started is gone, at most until deadline. */
  private async awaitGone(dir: string, deadline: number): Promise<RemoveOutcome> {
    for (;;) {
      if (!fs.existsSync(dir)) return this.settled('removed');
      if (Date.now() >= deadline) return 'timeout';
      await sleep(POLL_MS);
    }
  }

  private async settled(outcome: RemoveOutcome): Promise<RemoveOutcome> {
    await this.settle();
    return outcome;
  }

  async writeBatch<T>(fn: () => Promise<T>): Promise<T> {
    return this.root.isSimulated ? withSimLockOnWrite(this.rootReal, fn) : fn();
  }

  /** On a simulated host, let a removal that has left the bus finish its teardown (it runs under the lock). */
  private async settle(): Promise<void> {
    if (this.root.isSimulated) await withSimLock(this.rootReal, () => undefined, { timeoutMs: 10_000 }).catch(() => undefined);
  }

  /** true when the remover's errno says another removal is under way; throws for real failures */
  private removeExit(uuid: string, code: number | null): boolean {
    const errno = errnoOfRemoveExit(code);
    // the device was there when remove() began: another writer got to it first
    if (errno === 'ENOENT' || errno === 'ENODEV' || errno === 'EAGAIN') return true;
    if (errno === 'EACCES' || errno === 'EPERM') {
      throw new VirtMdevError(ExitCode.HOST, 'permission', `cannot write /sys/bus/mdev/devices/${uuid}/remove under ${this.root.dir}: permission denied; run as root`);
    }
    throw new VirtMdevError(ExitCode.FAILURE, 'remove-failed',
      `removing mdev ${uuid} failed: ${errno ?? `the remover exited with status ${String(code)}`}`);
  }
}

export function openMdevBus(root: HostRoot): MdevBus {
  return new SysfsMdevBus(root);
}
