// Incremental bookkeeping for the simulated kernel: the full repair (a walk of every parent, type,
// group and class directory, about nine in ten of a write's system calls) runs only when the tree may
// have changed since this process last left it consistent. Two signals, both under the kernel lock:
//   - an intent file, present from a write's first change to its last: a writer killed in between
//     leaves it, and whoever comes next repairs (no clock involved);
//   - a stamp of the directories and files a repair inspects (inode, times, link count, size), taken
//     when this process's write ended: anything else that changed the tree since (another process's
//     write, an admin's or a test's hand) changes it.
// The stamp is a file in the lock directory beside the intent, written and read under the lock (never
// in the tree, whose snapshots therefore stay what the kernel would show): a write that finds the tree
// as the last clean write left it, this process's or another's, repairs nothing (a hook call is one
// process: with the stamp in memory only, every hook call walked the whole tree once).
// Within one batch (withSimLockHeld: one hold of the lock across several writes) no other process can
// write between them, so the intent spans the batch and the stamp is taken once, when it ends.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { readFileBounded } from '../util/bounded-read.js';
import { joinUnder } from './layout.js';
import { atBatchEnd } from './lockname.js';
import { markerPath, parentsWithTypes, type SimState } from './state.js';

const INTENT_FILE = 'simkernel.intent';
/** the stamp of the tree as the last clean write (of any process) left it */
const STAMP_FILE = 'simkernel.clean';
/** a stamp is a few hundred bytes per parent: a bigger file is not one */
const MAX_STAMP = 1 << 20;
const BUS_DEVICES = 'sys/bus/mdev/devices';
const SHARED_DIRS = [BUS_DEVICES, 'sys/kernel/iommu_groups', 'sys/devices/virtual/vfio', 'sys/class/vfio', 'sys/class/vfio-dev'];

interface Batch {
  lockDir: string;
  /** the kernel's state after the batch's last write, when that write left the tree consistent */
  clean?: SimState;
}

/** root directory → the batch under way on it */
const batches = new Map<string, Batch>();

function statStamp(abs: string): string {
  try {
    const s = fs.lstatSync(abs, { bigint: true });
    return `${s.ino}.${s.mtimeNs}.${s.ctimeNs}.${s.nlink}.${s.size}`;
  } catch {
    return '-';
  }
}

function treeStamp(dir: string, st: SimState): string {
  const parts = [statStamp(markerPath(dir)), ...SHARED_DIRS.map((d) => statStamp(joinUnder(dir, d)))];
  for (const p of parentsWithTypes(st)) {
    parts.push(statStamp(joinUnder(dir, p.path)), statStamp(joinUnder(dir, `sys/bus/mdev/drivers/${p.mdevDriver}`)));
    for (const t of p.types) {
      const tdir = joinUnder(dir, `${p.path}/mdev_supported_types/${t.id}`);
      parts.push(statStamp(`${tdir}/devices`), statStamp(`${tdir}/available_instances`));
    }
  }
  return parts.join('|');
}

function intentPath(lockDir: string): string {
  return path.join(lockDir, INTENT_FILE);
}

/** rm -f of the intent: unlink(2) itself (fs.rmSync would load Node's rimraf for one file) */
function removeIntent(intent: string): void {
  try {
    fs.unlinkSync(intent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function stampPath(lockDir: string): string {
  return path.join(lockDir, STAMP_FILE);
}

function readStamp(lockDir: string): string | undefined {
  try {
    const r = readFileBounded(stampPath(lockDir), MAX_STAMP);
    return r.ok ? r.data.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** written before the intent goes, so a crash in between leaves the intent */
function keepStamp(lockDir: string, stamp: string): void {
  try {
    writeFileAtomic(stampPath(lockDir), stamp, 0o600, { durable: false });
  } catch {
    // without it the next write repairs, as it would after a crash
  }
}

/** the stamp no longer vouches for the tree */
function dropStamp(lockDir: string): void {
  try { fs.unlinkSync(stampPath(lockDir)); } catch { /* not there */ }
}

/** Must the tree be repaired before this write? True unless it is exactly as the last clean write (of any process) left it. */
export function needsRepair(dir: string, lockDir: string, st: SimState): boolean {
  if (batches.get(dir)?.clean !== undefined) return false;
  if (fs.existsSync(intentPath(lockDir))) return true;
  return treeStamp(dir, st) !== readStamp(lockDir);
}

/**
 * Run a write's changes between its intent and its stamp: on success the tree is consistent as this
 * process leaves it; on a throw nothing is vouched for and the next write repairs.
 */
export function asCleanWrite<T>(dir: string, lockDir: string, fn: () => T, stateAfter: () => SimState, batchOf?: string): T {
  const batch = batchOf === undefined ? undefined : joinBatch(dir, lockDir, batchOf);
  if (batch !== undefined) {
    batch.clean = undefined;
    const out = fn();
    batch.clean = stateAfter();
    return out;
  }
  const intent = intentPath(lockDir);
  fs.writeFileSync(intent, '');
  let clean = false;
  try {
    const out = fn();
    keepStamp(lockDir, treeStamp(dir, stateAfter()));
    clean = true;
    return out;
  } finally {
    // a write that failed has undone its changes, but no stamp vouches for that: the next write
    // repairs. The intent goes either way, so a refused write leaves the tree exactly as it was
    if (!clean) dropStamp(lockDir);
    removeIntent(intent);
  }
}

/**
 * The batch under way on dir (the simulated host whose real path is rootReal), begun with this write:
 * its intent is written now and goes when the batch ends, with the stamp taken then.
 */
function joinBatch(dir: string, lockDir: string, rootReal: string): Batch | undefined {
  const open = batches.get(dir);
  if (open !== undefined) return open;
  const batch: Batch = { lockDir };
  if (!atBatchEnd(rootReal, () => endBatch(dir))) return undefined;
  fs.writeFileSync(intentPath(lockDir), '');
  batches.set(dir, batch);
  return batch;
}

function endBatch(dir: string): void {
  const batch = batches.get(dir);
  if (batch === undefined) return;
  batches.delete(dir);
  if (batch.clean !== undefined) keepStamp(batch.lockDir, treeStamp(dir, batch.clean));
  else dropStamp(batch.lockDir);
  removeIntent(intentPath(batch.lockDir));
}

/**
 * The kernel's state as this batch's last write left it, while the tree is vouched for: the next write
 * of the batch need not read it again.
 */
export function batchState(dir: string): SimState | undefined {
  return batches.get(dir)?.clean;
}

/** The tree changed outside a vouched-for write (hold, reboot, hot-plug): the next write repairs. */
export function forgetClean(dir: string, lockDir: string): void {
  dropStamp(lockDir);
  const batch = batches.get(dir);
  if (batch !== undefined) batch.clean = undefined;
}
