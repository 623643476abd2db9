// The actions of nodedev-list and nodedev-dumpxml (registered in ./nodedev.ts), printed as virsh
// prints them. They only read the host: this module imports nothing that creates or destroys, and
// the launcher runs them directly for the command lines it can parse alone (src/cli/fast-path.ts).
import { definitionView, filterByState } from '../../nodedev/defined.js';
import { formatNodedevXml } from '../../nodedev/format.js';
import { requireNodedev } from '../../nodedev/lookup.js';
import { sortByName } from '../../nodedev/collect.js';
import { renderTree } from '../../nodedev/tree.js';
import { filterByCaps, nodedevJson, nodedevTreeJson, nodedevView, parseCaps } from '../../nodedev/view.js';
import type { NodeDevice } from '../../nodedev/model.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson, warnStoreProblems, type CommandLike } from '../context.js';
import { orOwnProblem, warnOtherStoreProblems } from '../store-problems.js';
import { writeStdout } from '../stdout-errors.js';

export const out = writeStdout;

/** nodedev-list */
export function nodedevList(opts: { tree?: boolean; cap?: string; inactive?: boolean; all?: boolean }, cmd: CommandLike): void {
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
  const json = globals(cmd).json === true;
  // the text list and tree show names only: no attribute file need be read (JSON shows them all)
  const view = nodedevView(hostRootOf(cmd), undefined, { detail: json });
  warnStoreProblems(cmd, view.problems);
  const devices = filterByState(view.devices, opts.all ? 'all' : opts.inactive ? 'inactive' : 'active');
  if (opts.tree) {
    if (json) printJson(nodedevTreeJson(devices));
    else out(renderTree(sortByName(devices)));
    return;
  }
  const list = sortByName(filterByCaps(devices, caps));
  if (json) printJson(list.map(nodedevJson));
  else out(list.map((d) => d.name + '\n').join(''));
}

/** The node device NAME|UUID names and its XML (its definition's with --inactive), warning about other store problems. */
export function dumpxmlOf(device: string, opts: { inactive?: boolean }, cmd: CommandLike): { node: NodeDevice; xml: string } {
  const view = nodedevView(hostRootOf(cmd));
  const mine = warnOtherStoreProblems(cmd, view.problems, device);
  const found = orOwnProblem(mine, () => requireNodedev(view.devices, device));
  const node = opts.inactive ? definitionView(found) : found;
  return { node, xml: formatNodedevXml(node) };
}

/** nodedev-dumpxml without --xpath (with it: ./nodedev-dumpxml-action.ts) */
export function nodedevDumpxmlWhole(device: string, opts: { inactive?: boolean }, cmd: CommandLike): void {
  const { node, xml } = dumpxmlOf(device, opts, cmd);
  if (globals(cmd).json === true) printJson({ ...nodedevJson(node), xml });
  else out(xml);
}
