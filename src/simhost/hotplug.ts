// `simulate unplug|plug`: a parent's driver unregisters from the mdev core and registers again, as
// on `rmmod mtty` / `modprobe mtty` or unbinding and rebinding a GPU's vendor driver. The device
// itself stays (a PCI function without its vendor driver's mdev support is still a PCI function);
// what goes and comes back is the class link, the types and every child device.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { entryScript } from '../util/package-layout.js';
import { checkParentName, printable } from '../util/validate.js';
import { removeAllChildren, withSimKernel } from './kernel.js';
import { unlinkQuiet } from './layout.js';
import { classLinkOf, registerParent, typesDirOf, writeParentDevice, writeParentTypes } from './parent-layout.js';
import type { SimParentDef } from './profiles.js';
import type { SimState } from './state.js';

const TIMER = entryScript('late-types-timer');
/** an hour: longer than any boot a test plays, short enough that a forgotten timer goes away */
export const MAX_TYPES_DELAY_MS = 3_600_000;

export interface UnplugResult {
  parent: string;
  /** UUIDs of the child devices that went with it */
  removed: string[];
}

export interface PlugOptions {
  /** register at once, but let the types appear only this much later (a vendor daemon that is slow to start) */
  typesAfterMs?: number;
}

export interface PlugResult {
  parent: string;
  /** epoch ms at which the types appear; absent when they are there already */
  typesAt?: number;
}

function simParent(root: HostRoot, st: SimState, name: string): SimParentDef {
  const p = st.parents.find((x) => x.name === name);
  if (p) return p;
  throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-parent',
    `simulated host ${root.dir} has no parent '${printable(name)}': its parents are ${st.parents.map((x) => x.name).join(', ') || 'none'} (add one with 'virt-mdev simulate init ${root.dir} --profile NAME')`);
}

/** Take a parent away as mdev_unregister_parent() does: class link first, then the children, then the types. */
export async function unplugSimParent(root: HostRoot, name: string): Promise<UnplugResult> {
  checkParentName(name);
  return withSimKernel(root, (st) => {
    const p = simParent(root, st, name);
    if (st.unplugged.includes(p.name)) {
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'not-plugged',
        `parent ${p.name} is not plugged into simulated host ${root.dir}: bring it back with 'virt-mdev simulate plug ${root.dir} ${p.name}'`);
    }
    unlinkQuiet(root.p(classLinkOf(p)));
    const removed = removeAllChildren(root.dir, st, p, false);
    fs.rmSync(root.p(typesDirOf(p)), { recursive: true, force: true });
    st.unplugged.push(p.name);
    delete st.lateTypes[p.name];
    return { parent: p.name, removed };
  });
}

/** Bring an unplugged parent back as `simulate init` laid it out: every type, at full capacity. */
export async function plugSimParent(root: HostRoot, name: string, opts: PlugOptions = {}): Promise<PlugResult> {
  checkParentName(name);
  const delay = opts.typesAfterMs ?? 0;
  if (!Number.isFinite(delay) || delay < 0 || delay > MAX_TYPES_DELAY_MS) {
    throw new VirtMdevError(ExitCode.USAGE, 'bad-delay',
      `a types delay of ${delay} ms is out of range: give 0 to ${MAX_TYPES_DELAY_MS / 1000} seconds`);
  }
  const res = await withSimKernel(root, (st): PlugResult => {
    const p = simParent(root, st, name);
    if (!st.unplugged.includes(p.name)) {
      throw new VirtMdevError(ExitCode.EXISTS, 'plugged',
        `parent ${p.name} is already plugged into simulated host ${root.dir}: take it away first with 'virt-mdev simulate unplug ${root.dir} ${p.name}'`);
    }
    writeParentDevice(root.dir, p);
    let typesAt: number | undefined;
    if (delay > 0) {
      typesAt = Date.now() + delay;
      st.lateTypes[p.name] = typesAt;
    } else {
      writeParentTypes(root.dir, p);
    }
    registerParent(root.dir, p);
    st.unplugged = st.unplugged.filter((n) => n !== p.name);
    return typesAt === undefined ? { parent: p.name } : { parent: p.name, typesAt };
  });
  if (res.typesAt !== undefined) startTypesTimer(root, res.parent, res.typesAt);
  return res;
}

/**
 * Readers see plain files, so something has to add the types when they are due: a detached process
 * that sleeps until then and passes through the kernel emulation, whose repair adds every type that
 * is due. Should the timer die, the next write to the simulated kernel adds them instead.
 */
function startTypesTimer(root: HostRoot, parent: string, at: number): void {
  try {
    const child = spawn(process.execPath, [TIMER, path.resolve(root.dir), parent, String(at)], { detached: true, stdio: 'ignore' });
    child.once('error', () => undefined);
    child.unref();
  } catch { /* the fallback above covers it */ }
}
