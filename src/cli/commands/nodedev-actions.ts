// The actions of nodedev-list, nodedev-dumpxml, nodedev-create and nodedev-destroy (registered in
// ./nodedev.ts), printed as virsh prints them.
import type { Command } from 'commander';
import { openMdevBus } from '../../mdevbus/bus.js';
import {
  createMdevFromRequest, definitionView, destroyNodedev, filterByCaps, filterByState, formatNodedevXml, nodedevJson,
  nodedevTreeJson, nodedevView, parseCaps, parseMdevCreateXml, readBoundedFile, renderTree, requireHostTree, requireNodedev, sortByName,
} from '../../nodedev/index.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson, warnStoreProblems } from '../context.js';
import { orOwnProblem, warnOtherStoreProblems } from '../store-problems.js';

function out(s: string): void {
  process.stdout.write(s);
}

/** nodedev-list */
export function nodedevList(opts: { tree?: boolean; cap?: string; inactive?: boolean; all?: boolean }, cmd: Command): void {
  if (opts.tree && opts.cap !== undefined) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', 'options --tree and --cap are incompatible (as in virsh): drop one of them');
  }
  if (opts.tree && opts.inactive) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', 'options --tree and --inactive are incompatible (as in virsh): --tree --all shows inactive devices in the tree');
  }
  if (opts.inactive && opts.all) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', 'option --all is incompatible with --inactive (as in virsh): drop one of them');
  }
  const caps = parseCaps(opts.cap);
  const view = nodedevView(hostRootOf(cmd));
  warnStoreProblems(cmd, view.problems);
  const devices = filterByState(view.devices, opts.all ? 'all' : opts.inactive ? 'inactive' : 'active');
  const json = globals(cmd).json === true;
  if (opts.tree) {
    if (json) printJson(nodedevTreeJson(devices));
    else out(renderTree(sortByName(devices)));
    return;
  }
  const list = sortByName(filterByCaps(devices, caps));
  if (json) printJson(list.map(nodedevJson));
  else out(list.map((d) => d.name + '\n').join(''));
}

/** nodedev-dumpxml */
export async function nodedevDumpxml(device: string, opts: { xpath?: string; wrap?: boolean; inactive?: boolean }, cmd: Command): Promise<void> {
  if (opts.wrap && opts.xpath === undefined) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', 'option --wrap needs --xpath');
  }
  const view = nodedevView(hostRootOf(cmd));
  const mine = warnOtherStoreProblems(cmd, view.problems, device);
  const found = orOwnProblem(mine, () => requireNodedev(view.devices, device));
  const node = opts.inactive ? definitionView(found) : found;
  const xml = formatNodedevXml(node);
  const json = globals(cmd).json === true;
  if (opts.xpath !== undefined) {
    const { evalXpath } = await import('../../nodedev/xpath.js');
    const text = await evalXpath(xml, opts.xpath, opts.wrap === true);
    if (json) printJson({ name: node.name, xpath: opts.xpath, result: text });
    else out(text);
    return;
  }
  if (json) printJson({ ...nodedevJson(node), xml });
  else out(xml);
}

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
