// The actions of nodedev-define, nodedev-undefine, nodedev-start, nodedev-autostart and nodedev-info
// (registered in ./nodedev-persist.ts).
import type { Command } from 'commander';
import type { HostRoot } from '../../host/root.js';
import { openMdevBus } from '../../mdevbus/bus.js';
import type { MdevBus } from '../../mdevbus/types.js';
import {
  autostartNodedev, defineNodedev, formatNodedevInfo, lifecycleOf, nodedevJson, nodedevView, parseMdevCreateXml,
  readBoundedFile, requireHostTree, requireNodedev, startNodedev, undefineNodedev, type NodeDevice,
} from '../../nodedev/index.js';
import { globals, hostRootOf, printJson } from '../context.js';
import { orOwnProblem, warnOtherStoreProblems } from '../store-problems.js';
import type { StoreProblem } from '../../definitions/types.js';

function out(s: string): void {
  process.stdout.write(s);
}

/** The bus and the node devices (with definitions) of the command's host; store problems warned about. */
function hostView(cmd: Command, device: string): { root: HostRoot; bus: MdevBus; devices: NodeDevice[]; mine?: StoreProblem } {
  const root = hostRootOf(cmd);
  const bus = openMdevBus(root);
  const view = nodedevView(root, bus);
  const mine = warnOtherStoreProblems(cmd, view.problems, device);
  return { root, bus, devices: view.devices, ...(mine ? { mine } : {}) };
}

/** nodedev-define */
export async function nodedevDefine(file: string, _opts: unknown, cmd: Command): Promise<void> {
  // the document is checked completely before the host is looked at
  const req = parseMdevCreateXml(readBoundedFile(file), file);
  const root = hostRootOf(cmd);
  requireHostTree(root);
  const r = await defineNodedev(root, openMdevBus(root), req, file);
  if (globals(cmd).json) printJson({ ...nodedevJson(r.device), generatedUuid: r.generatedUuid, updated: r.updated, file, definitionFile: r.file });
  else out(`Node device '${r.device.name}' defined from '${file}'\n`);
}

/** nodedev-undefine */
export async function nodedevUndefine(device: string, _opts: unknown, cmd: Command): Promise<void> {
  const { root, bus, devices, mine } = hostView(cmd, device);
  const r = await orOwnProblem(mine, () => undefineNodedev(root, bus, devices, device));
  if (globals(cmd).json) printJson({ undefined: true, ...r });
  else out(`Undefined node device '${device}'\n`);
}

/** nodedev-start */
export async function nodedevStart(device: string, _opts: unknown, cmd: Command): Promise<void> {
  const { root, bus, devices, mine } = hostView(cmd, device);
  const node = await orOwnProblem(mine, () => startNodedev(root, bus, devices, device));
  if (globals(cmd).json) printJson({ started: true, ...nodedevJson(node) });
  else out(`Device ${device} started\n`);
}

/** nodedev-autostart */
export async function nodedevAutostart(device: string, opts: { disable?: boolean }, cmd: Command): Promise<void> {
  const { root, bus, devices, mine } = hostView(cmd, device);
  const r = await orOwnProblem(mine, () => autostartNodedev(root, bus, devices, device, !opts.disable));
  if (globals(cmd).json) printJson(r);
  else out(`Device ${device} ${r.autostart ? 'marked' : 'unmarked'} as autostarted\n`);
}

/** nodedev-info */
export function nodedevInfo(device: string, _opts: unknown, cmd: Command): void {
  const { devices, mine } = hostView(cmd, device);
  const node = orOwnProblem(mine, () => requireNodedev(devices, device));
  if (globals(cmd).json) printJson({ name: node.name, parent: node.parent ?? null, ...lifecycleOf(node) });
  else out(formatNodedevInfo(node));
}
