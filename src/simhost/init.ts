// `virt-mdev simulate init`: write a directory tree laid out like sysfs for the chosen profiles.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot, SIM_LOCK_DIR, SIM_MARKER } from '../host/root.js';
import { LEDGER_LOCK } from '../ledger/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { createLockFiles } from '../util/lock.js';
import { printable } from '../util/validate.js';
import { mkdirs, putFile, writeSubsystemMember } from './layout.js';
import { writeParent } from './parent-layout.js';
import { findProfile, profileNames, type SimAncestorDef, type SimParentDef } from './profiles.js';
import { SIM_LOCK, simLockDir, withSimLock } from './lockname.js';
import { readSimState, SIM_FORMAT, SIM_VERSION, writeSimState, type SimState } from './state.js';

export { SIM_LOCK } from './lockname.js';

export interface SimInitResult {
  root: HostRoot;
  /** profiles written by this call */
  added: string[];
  /** profiles that the host already had */
  present: string[];
  /** parents written by this call */
  parents: SimParentDef[];
}

function writeSkeleton(dir: string): void {
  for (const d of ['sys/bus/mdev/devices', 'sys/bus/mdev/drivers', 'sys/class/mdev_bus', 'sys/class/vfio', 'sys/class/vfio-dev', 'sys/kernel/iommu_groups', 'sys/devices/virtual/vfio']) mkdirs(dir, d);
  if (!fs.existsSync(path.join(dir, 'sys/bus/mdev/drivers_autoprobe'))) {
    putFile(dir, 'sys/bus/mdev/drivers_autoprobe', '1\n', 0o644);
    putFile(dir, 'sys/bus/mdev/drivers_probe', '', 0o200);
    putFile(dir, 'sys/bus/mdev/uevent', '', 0o200);
  }
  // what a host with mdev support loaded shows besides the bus: the modules and VFIO's container node
  // (a plain file stands in for the character device), so 'doctor' judges a simulated host like a real one
  for (const mod of ['vfio', 'vfio_iommu_type1', 'mdev']) mkdirs(dir, `sys/module/${mod}`);
  if (!fs.existsSync(path.join(dir, 'dev/vfio/vfio'))) putFile(dir, 'dev/vfio/vfio', '', 0o666);
}

function writeAncestor(dir: string, a: SimAncestorDef): void {
  mkdirs(dir, a.path);
  for (const [f, c] of Object.entries(a.attrs ?? {})) putFile(dir, `${a.path}/${f}`, c);
  if (a.subsystem) writeSubsystemMember(dir, a.path, path.basename(a.path), a.subsystem);
}

/**
 * Create (or extend) a simulated host at dir with the named profiles. A non-empty directory that is
 * not already a simulated host is refused; profiles the host already has are left as they are.
 */
/** a new simulated host needs an empty directory (its own lock directory aside) */
function refuseNotEmpty(abs: string): void {
  if (fs.readdirSync(abs).some((e) => e !== SIM_LOCK_DIR)) {
    throw new VirtMdevError(ExitCode.USAGE, 'not-empty',
      `'${abs}' is not empty and is not a simulated host (no ${SIM_MARKER}): give a new or empty directory`);
  }
}

export async function initSimHost(dir: string, profiles: string[]): Promise<SimInitResult> {
  if (profiles.length === 0) {
    throw new VirtMdevError(ExitCode.USAGE, 'no-profile',
      `no profile given: pass --profile NAME (one of ${profileNames().join(', ')})`);
  }
  const defs = profiles.map((name) => {
    const p = findProfile(name);
    if (!p) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'unknown-profile',
        `unknown simulated-host profile '${printable(name)}': use one of ${profileNames().join(', ')}`);
    }
    return p;
  });
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new VirtMdevError(ExitCode.HOST, 'cannot-create-root', `cannot create simulated host directory '${abs}': ${(e as Error).message}`, { cause: e });
  }
  if (!fs.statSync(abs).isDirectory()) {
    throw new VirtMdevError(ExitCode.USAGE, 'not-a-directory', `'${abs}' is not a directory: give a new or empty directory for the simulated host`);
  }
  const real = fs.realpathSync(abs);
  // refuse before the lock files appear, so that a refused directory stays as it was
  if (!readSimState(abs)) refuseNotEmpty(abs);
  // every lock a virt-mdev process takes on this host exists from the start: taking one changes no tree
  createLockFiles(simLockDir(real), [SIM_LOCK, LEDGER_LOCK]);
  return withSimLock(real, () => {
    let st = readSimState(abs);
    if (!st) {
      refuseNotEmpty(abs);
      st = { format: SIM_FORMAT, version: SIM_VERSION, profiles: [], parents: [], held: [], removing: {}, unplugged: [], lateTypes: {} } satisfies SimState;
    }
    const state = st;
    const added: string[] = [];
    const present: string[] = [];
    const newParents: SimParentDef[] = [];
    writeSkeleton(abs);
    for (const prof of defs) {
      if (state.profiles.includes(prof.name) || added.includes(prof.name)) {
        if (!present.includes(prof.name) && !added.includes(prof.name)) present.push(prof.name);
        continue;
      }
      for (const a of prof.ancestors) writeAncestor(abs, a);
      for (const p of prof.parents) {
        writeParent(abs, p);
        state.parents.push(p);
        newParents.push(p);
      }
      state.profiles.push(prof.name);
      added.push(prof.name);
    }
    // the marker goes last: a directory is a simulated host only once its tree is complete
    writeSimState(abs, state);
    return { root: new HostRoot(abs), added, present, parents: newParents };
  });
}
