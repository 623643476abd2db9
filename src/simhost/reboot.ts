// `simulate reboot`: what a host looks like after a boot. Mediated devices live only in the running
// kernel and /run is a tmpfs, so both start empty; /etc (mdevctl's definitions, our config) and the
// rest of the disk survive. Parents keep their registration state: one unplugged before the reboot
// is still away afterwards, so tests can play a parent that registers late in boot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { removeAllChildren, withSimKernel } from './kernel.js';
import { readdirQuiet } from './layout.js';
import { parentsWithTypes } from './state.js';

export interface RebootResult {
  /** UUIDs of the mdevs that were there before the reboot */
  removed: string[];
  /** the entries of run/ that were cleared */
  clearedRun: string[];
}

/** run/ as a link could lead anywhere, /run of the real machine included: never clear through one */
function refuseLinkedRun(run: string): void {
  let st: fs.Stats;
  try { st = fs.lstatSync(run); } catch { return; }
  if (!st.isDirectory()) {
    throw new VirtMdevError(ExitCode.HOST, 'run-not-directory',
      `${run} is not a plain directory (a link or a file): refusing to clear it; make it a directory of the simulated host`);
  }
}

export async function rebootSimHost(root: HostRoot): Promise<RebootResult> {
  const run = root.p('run');
  return withSimKernel(root, (st) => {
    refuseLinkedRun(run);
    const withTypes = parentsWithTypes(st);
    const removed = st.parents.flatMap((p) => removeAllChildren(root.dir, st, p, withTypes.includes(p))).sort();
    // no process survives a reboot: nothing holds a device open, no removal is waiting
    st.held = [];
    st.removing = {};
    const clearedRun = readdirQuiet(run).sort();
    for (const e of clearedRun) fs.rmSync(path.join(run, e), { recursive: true, force: true });
    return { removed, clearedRun };
  });
}
