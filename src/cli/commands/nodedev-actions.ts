// The actions of nodedev-create and nodedev-destroy (registered in ./nodedev.ts), printed as virsh
// prints them; nodedev-list and nodedev-dumpxml are in ./nodedev-read-actions.ts.
import type { Command } from 'commander';
import { openMdevBus } from '../../mdevbus/bus.js';
import { createMdevFromRequest, destroyNodedev } from '../../nodedev/create.js';
import { requireNodedev } from '../../nodedev/lookup.js';
import { parseMdevCreateXml, readBoundedFile } from '../../nodedev/parse.js';
import { nodedevJson, nodedevView, requireHostTree } from '../../nodedev/view.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson } from '../context.js';
import { orOwnProblem, warnOtherStoreProblems } from '../store-problems.js';
import { out } from './nodedev-read-actions.js';

/** nodedev-create */
export async function nodedevCreate(file: string, _opts: unknown, cmd: Command): Promise<void> {
  // the document is checked completely before the host is looked at
  const req = parseMdevCreateXml(readBoundedFile(file), file);
  const root = hostRootOf(cmd);
  requireHostTree(root);
  const bus = openMdevBus(root);
  const { device, generatedUuid } = await createMdevFromRequest(root, bus, req, file);
  if (globals(cmd).json) printJson({ ...nodedevJson(device), generatedUuid, file });
  else out(`Node device ${device.name} created from ${file}\n`);
}

/** nodedev-destroy */
export async function nodedevDestroy(device: string, opts: { timeout: string; force?: boolean }, cmd: Command): Promise<void> {
  const secs = Number(opts.timeout);
  if (!Number.isFinite(secs) || secs <= 0 || secs > 3600) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', `--timeout '${opts.timeout}' is not a number of seconds between 0 and 3600`);
  }
  const root = hostRootOf(cmd);
  const bus = openMdevBus(root);
  const view = nodedevView(root, bus);
  const mine = warnOtherStoreProblems(cmd, view.problems, device);
  const { listRunningDomains } = await import('../../ledger/running.js');
  const res = await destroyNodedev(bus, orOwnProblem(mine, () => requireNodedev(view.devices, device)),
    { timeoutMs: Math.round(secs * 1000), running: listRunningDomains(root), force: opts.force === true });
  if (globals(cmd).json) printJson({ destroyed: true, ...res });
  else out(`Destroyed node device '${res.name}'\n`);
}
