// The simulated host's marker file (HostRoot SIM_MARKER): which profiles were applied, each parent's
// capacity rules, and which devices a "VM" holds open. Device usage is NOT stored here: it is
// recomputed from the devices present in the tree, so the tree stays the single source of truth.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SIM_MARKER, type HostRoot } from '../host/root.js';
import { writeFileAtomic } from '../util/atomic.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import type { SimParentDef } from './profiles.js';

export const SIM_FORMAT = 'virt-mdev-simulated-host';
export const SIM_VERSION = 1;

export interface SimState {
  format: typeof SIM_FORMAT;
  version: number;
  profiles: string[];
  parents: SimParentDef[];
  /** UUIDs a simulated VM holds open: a remove write blocks until they are released */
  held: string[];
  /**
   * removals blocked on a held device: UUID → the writer's pid and the device's type. Such a device is
   * off the bus already (device_del() ran) but keeps its directory, group and share until released.
   */
  removing: Record<string, RemovingDevice>;
  /** parents taken away by `simulate unplug`: not registered with the mdev core, no types, no children */
  unplugged: string[];
  /** parents registered without their types yet (`simulate plug --types-after`): name → epoch ms when they appear */
  lateTypes: Record<string, number>;
}

export interface RemovingDevice {
  pid: number;
  /** the type whose share the device still takes (its mdev_type link is gone) */
  type: string;
}

export function markerPath(rootDir: string): string {
  return path.join(rootDir, SIM_MARKER);
}

/** Read the marker; undefined when the directory is not a simulated host. */
export function readSimState(rootDir: string): SimState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(markerPath(rootDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let st: SimState;
  try {
    st = JSON.parse(text) as SimState;
  } catch {
    throw new VirtMdevError(ExitCode.HOST, 'bad-sim-marker',
      `${markerPath(rootDir)} is not valid JSON: the simulated host is damaged; recreate it with 'virt-mdev simulate init'`);
  }
  if (st.format !== SIM_FORMAT || !Array.isArray(st.parents)) {
    throw new VirtMdevError(ExitCode.HOST, 'bad-sim-marker',
      `${markerPath(rootDir)} is not a virt-mdev simulated-host marker (format '${String(st.format)}'); recreate the host with 'virt-mdev simulate init'`);
  }
  st.held ??= [];
  st.removing ??= {};
  // version 1 markers written before the type was kept: a pid alone
  for (const [u, r] of Object.entries(st.removing)) if (typeof r === 'number') st.removing[u] = { pid: r, type: '' };
  st.unplugged ??= [];
  st.lateTypes ??= {};
  return st;
}

export function requireSimState(root: HostRoot): SimState {
  const st = readSimState(root.dir);
  if (!st) {
    throw new VirtMdevError(ExitCode.HOST, 'not-simulated',
      `host root '${root.dir}' is not a simulated host (no ${SIM_MARKER}); create one with 'virt-mdev simulate init DIR --profile mtty'`);
  }
  return st;
}

export function writeSimState(rootDir: string, st: SimState): void {
  // like the kernel state it stands for, it need not outlive the machine: replaced atomically, not synced
  writeFileAtomic(markerPath(rootDir), JSON.stringify(st, null, 2) + '\n', 0o644, { durable: false });
}

/** Parents whose types exist in the tree: plugged in and not waiting for their types. */
export function parentsWithTypes(st: SimState): SimParentDef[] {
  return st.parents.filter((p) => !st.unplugged.includes(p.name) && st.lateTypes[p.name] === undefined);
}
