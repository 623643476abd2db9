// Reading and replacing the ledger. Every change happens under ONE exclusive lock held by the caller
// across the whole decision (choose a parent, record intent, create, record result), so two hooks
// running at once never plan with the same capacity or the same entry.
import * as path from 'node:path';
import { readHostFile, type HostFileRead } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import type { MdevDevice } from '../mdevbus/types.js';
import { writeStateFile } from '../util/atomic.js';
import { errnoCode, ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import { isSafeSysfsName, isUuid, printable } from '../util/validate.js';
import { LEDGER_FILE, LEDGER_LOCK, type DomainRef, type Ledger, type LedgerEntry, type LedgerState } from './types.js';

const MAX_LEDGER_BYTES = 16 * 1024 * 1024;
const STATES: readonly LedgerState[] = ['creating', 'active', 'removing', 'abandoned'];

export function ledgerPath(root: HostRoot): string {
  return path.join(root.runDir, LEDGER_FILE);
}

export function emptyLedger(): Ledger {
  return { version: 1, devices: [] };
}

function corrupt(file: string, why: string): VirtMdevError {
  return new VirtMdevError(ExitCode.HOST, 'ledger-corrupt',
    `ledger ${file} is unreadable (${why}): move it aside and run 'virt-mdev gc' only after checking which mdevs virt-mdev created (see var/log/virt-mdev/hook.log)`);
}

function checkEntry(file: string, e: unknown, i: number): LedgerEntry {
  const o = e as Partial<LedgerEntry> | null;
  if (!o || typeof o !== 'object' || typeof o.uuid !== 'string' || typeof o.parent !== 'string' || typeof o.type !== 'string'
    || !STATES.includes(o.state as LedgerState) || (o.origin !== 'created' && o.origin !== 'adopted')) {
    throw corrupt(file, `entry ${i} is malformed`);
  }
  // these become sysfs paths in gc and release: a damaged or planted entry must never walk out of them
  if (!isUuid(o.uuid) || !isSafeSysfsName(o.parent) || (o.type !== '' && !isSafeSysfsName(o.type))) {
    throw corrupt(file, `entry ${i} names no valid mdev (UUID '${printable(o.uuid)}', parent '${printable(o.parent)}', type '${printable(o.type)}')`);
  }
  if ((o.updatedAt !== undefined && typeof o.updatedAt !== 'string') || (o.domain !== undefined && (typeof o.domain !== 'object' || o.domain === null || typeof o.domain.name !== 'string'))
    || (o.pool !== undefined && typeof o.pool !== 'string') || (o.note !== undefined && typeof o.note !== 'string')) {
    throw corrupt(file, `entry ${i} is malformed`);
  }
  return o as LedgerEntry;
}

/** The ledger as stored; an absent file is an empty ledger. Read without the lock only for display. */
export function readLedger(root: HostRoot): Ledger {
  const file = ledgerPath(root);
  let read: HostFileRead;
  try {
    read = readHostFile(root, file, MAX_LEDGER_BYTES, { refuseLinks: true }, 'ledger');
  } catch (e) {
    if (isVirtMdevError(e)) throw e;
    throw corrupt(file, errnoCode(e) ?? (e as Error).message);
  }
  if (!read.ok) {
    switch (read.why) {
      case 'absent': return emptyLedger();
      case 'link': throw corrupt(file, 'a symbolic link, not the regular file virt-mdev writes');
      case 'special': throw corrupt(file, 'not a regular file');
      case 'too-big': throw corrupt(file, `larger than ${MAX_LEDGER_BYTES} bytes`);
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(read.data.toString('utf8'));
  } catch {
    // JSON.parse quotes the text it failed on: never echo the file's bytes
    throw corrupt(file, 'not valid JSON');
  }
  const d = data as Partial<Ledger> | null;
  if (!d || typeof d !== 'object' || d.version !== 1 || !Array.isArray(d.devices)) throw corrupt(file, 'not a version 1 ledger');
  return { version: 1, devices: d.devices.map((e, i) => checkEntry(file, e, i)) };
}

export function writeLedger(root: HostRoot, ledger: Ledger): void {
  ledger.devices.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  // not fsynced: the ledger lives in /run, which a boot empties (tmpfs on real hosts, where fsync does
  // nothing anyway), and after a crash of the machine its devices are gone too. What it must survive is
  // a crash of the writer: the atomic replacement covers that.
  writeStateFile('ledger', ledgerPath(root), JSON.stringify(ledger, null, 2) + '\n', 0o644, { durable: false });
}

export interface LedgerTxn {
  readonly ledger: Ledger;
  /** replace the stored ledger with the current in-memory one (atomic; /run need not outlive the machine) */
  commit(): void;
}

/** Run fn with the ledger lock held and the current ledger loaded; fn commits as often as it needs to. */
export async function withLedger<T>(root: HostRoot, fn: (txn: LedgerTxn) => Promise<T> | T, opts: { lockTimeoutMs?: number } = {}): Promise<T> {
  return withLedgerLock(root, () => {
    const ledger = readLedger(root);
    return fn({ ledger, commit: () => writeLedger(root, ledger) });
  }, opts);
}

/**
 * The same lock without loading the ledger, for changes that do not touch it (definitions, devices
 * made by hand or from a definition): a damaged ledger must not stop those.
 */
export async function withLedgerLock<T>(root: HostRoot, fn: () => Promise<T> | T, opts: { lockTimeoutMs?: number } = {}): Promise<T> {
  return withLock(root.realDir, LEDGER_LOCK, async () => fn(), { timeoutMs: opts.lockTimeoutMs, dir: root.lockDir });
}

/** Same domain: by UUID when both sides know it, else by name. */
export function sameDomain(a: DomainRef | undefined, b: DomainRef | undefined): boolean {
  if (!a || !b) return false;
  if (a.uuid && b.uuid) return a.uuid === b.uuid;
  return a.name === b.name;
}

/**
 * Why the device now at an entry's UUID is not the one virt-mdev recorded (someone removed ours and
 * made another with the same UUID), or undefined when it is ours. Such a device is never removed.
 */
export function notOurDevice(e: LedgerEntry, dev: Pick<MdevDevice, 'parent' | 'typeId'>): string | undefined {
  // an empty typeId is the kernel's uevent race right after a create: no evidence against it
  if (dev.parent === e.parent && (dev.typeId === e.type || dev.typeId === '')) return undefined;
  return `the device is now a ${dev.typeId} on ${dev.parent}, not the ${e.type} on ${e.parent} virt-mdev created: not ours to remove`;
}

export function findEntry(ledger: Ledger, uuid: string): LedgerEntry | undefined {
  return ledger.devices.find((e) => e.uuid === uuid);
}

export function dropEntry(ledger: Ledger, uuid: string): void {
  const i = ledger.devices.findIndex((e) => e.uuid === uuid);
  if (i >= 0) ledger.devices.splice(i, 1);
}

export function setState(e: LedgerEntry, state: LedgerState, note?: string): void {
  e.state = state;
  e.updatedAt = new Date().toISOString();
  e.pid = process.pid;
  if (note !== undefined) e.note = note;
  else delete e.note;
}
