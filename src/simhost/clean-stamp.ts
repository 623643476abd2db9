// Incremental bookkeeping for the simulated kernel: the full repair (a walk of every parent, type,
// group and class directory, about nine in ten of a write's system calls) runs only when the tree may
// have changed since this process last left it consistent. Two signals, both under the kernel lock:
//   - an intent file, present from a write's first change to its last: a writer killed in between
//     leaves it, and whoever comes next repairs (no clock involved);
//   - a stamp of the directories and files a repair inspects (inode, times, link count, size), taken
//     when this process's write ended: anything else that changed the tree since (another process's
//     write, an admin's or a test's hand) changes it.
// The stamp lives in this process's memory only, so the first write of every process repairs; it is
// never written into the tree, whose snapshots therefore stay what the kernel would show.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markerPath, parentsWithTypes, type SimState } from './state.js';

const INTENT_FILE = 'simkernel.intent';
const BUS_DEVICES = 'sys/bus/mdev/devices';
const SHARED_DIRS = [BUS_DEVICES, 'sys/kernel/iommu_groups', 'sys/devices/virtual/vfio', 'sys/class/vfio', 'sys/class/vfio-dev'];

/** root real path → stamp of the tree as this process's last write left it */
const lastClean = new Map<string, string>();

function statStamp(abs: string): string {
  try {
    const s = fs.lstatSync(abs, { bigint: true });
    return `${s.ino}.${s.mtimeNs}.${s.ctimeNs}.${s.nlink}.${s.size}`;
  } catch {
    return '-';
  }
}

function treeStamp(dir: string, st: SimState): string {
  const parts = [statStamp(markerPath(dir)), ...SHARED_DIRS.map((d) => statStamp(path.join(dir, d)))];
  for (const p of parentsWithTypes(st)) {
    parts.push(statStamp(path.join(dir, p.path)), statStamp(path.join(dir, 'sys/bus/mdev/drivers', p.mdevDriver)));
    for (const t of p.types) {
      const tdir = path.join(dir, p.path, 'mdev_supported_types', t.id);
      parts.push(statStamp(path.join(tdir, 'devices')), statStamp(path.join(tdir, 'available_instances')));
    }
  }
  return parts.join('|');
}

function intentPath(lockDir: string): string {
  return path.join(lockDir, INTENT_FILE);
}

/** Must the tree be repaired before this write? True unless it is exactly as this process's last write left it. */
export function needsRepair(dir: string, lockDir: string, st: SimState): boolean {
  const last = lastClean.get(dir);
  if (last === undefined || fs.existsSync(intentPath(lockDir))) return true;
  return treeStamp(dir, st) !== last;
}

/**
 * Run a write's changes between its intent and its stamp: on success the tree is consistent as this
 * process leaves it; on a throw nothing is vouched for and the next write repairs.
 */
export function asCleanWrite<T>(dir: string, lockDir: string, fn: () => T, stateAfter: () => SimState): T {
  lastClean.delete(dir);
  const intent = intentPath(lockDir);
  fs.writeFileSync(intent, '');
  try {
    const out = fn();
    lastClean.set(dir, treeStamp(dir, stateAfter()));
    return out;
  } finally {
    // a write that failed has undone its changes (or the stamp no longer matches them): the file
    // goes either way, so a refused write leaves the tree exactly as it was
    fs.rmSync(intent, { force: true });
  }
}

/** The tree changed outside a vouched-for write (hold, reboot, hot-plug): the next write repairs. */
export function forgetClean(dir: string): void {
  lastClean.delete(dir);
}
