// nodedev-define, nodedev-undefine, nodedev-start, nodedev-autostart, nodedev-info: persistent mdevs
// in mdevctl's store (etc/mdevctl.d), printed as virsh 9.0 prints them.
import type { Command } from 'commander';
import type { HostRoot } from '../../host/root.js';
import type { StoreProblem } from '../../definitions/types.js';
import { openMdevBus } from '../../mdevbus/bus.js';
import type { MdevBus } from '../../mdevbus/types.js';
import {
  autostartNodedev, defineNodedev, formatNodedevInfo, lifecycleOf, nodedevJson, nodedevView, parseMdevCreateXml,
  readBoundedFile, requireHostTree, requireNodedev, startNodedev, undefineNodedev, type NodeDevice,
} from '../../nodedev/index.js';
import { globals, hostRootOf, printJson, warnOtherStoreProblems, orOwnProblem } from '../context.js';

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

export function registerNodedevPersist(program: Command): void {
  program
    .command('nodedev-define')
    .description("define a persistent mediated device in mdevctl's store from node-device XML (like virsh nodedev-define)")
    .argument('<file>', "node-device XML file: <parent>, <capability type='mdev'> with <type id>, optional <uuid> and <attr name value>")
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      // the document is checked completely before the host is looked at
      const req = parseMdevCreateXml(readBoundedFile(file), file);
      const root = hostRootOf(cmd);
      requireHostTree(root);
      const r = await defineNodedev(root, openMdevBus(root), req, file);
      if (globals(cmd).json) printJson({ ...nodedevJson(r.device), generatedUuid: r.generatedUuid, updated: r.updated, file, definitionFile: r.file });
      else out(`Node device '${r.device.name}' defined from '${file}'\n`);
    });

  program
    .command('nodedev-undefine')
    .description('remove a device\'s definition; a running device keeps running, transient (like virsh nodedev-undefine)')
    .argument('<device>', 'mdev node device name or UUID')
    .action(async (device: string, _opts: unknown, cmd: Command) => {
      const { root, bus, devices } = hostView(cmd, device);
      const r = await undefineNodedev(root, bus, devices, device);
      if (globals(cmd).json) printJson({ undefined: true, ...r });
      else out(`Undefined node device '${device}'\n`);
    });

  program
    .command('nodedev-start')
    .description('start an inactive defined mediated device (like virsh nodedev-start)')
    .argument('<device>', 'mdev node device name or UUID')
    .action(async (device: string, _opts: unknown, cmd: Command) => {
      const { root, bus, devices } = hostView(cmd, device);
      const node = await startNodedev(root, bus, devices, device);
      if (globals(cmd).json) printJson({ started: true, ...nodedevJson(node) });
      else out(`Device ${device} started\n`);
    });

  program
    .command('nodedev-autostart')
    .description('start a defined device at boot and when its parent registers, or not with --disable (like virsh nodedev-autostart)')
    .argument('<device>', 'mdev node device name or UUID')
    .option('--disable', 'do not start it automatically')
    .action(async (device: string, opts: { disable?: boolean }, cmd: Command) => {
      const { root, bus, devices } = hostView(cmd, device);
      const r = await autostartNodedev(root, bus, devices, device, !opts.disable);
      if (globals(cmd).json) printJson(r);
      else out(`Device ${device} ${r.autostart ? 'marked' : 'unmarked'} as autostarted\n`);
    });

  program
    .command('nodedev-info')
    .description('name, parent, and whether a device is active, persistent and autostarted (like virsh nodedev-info)')
    .argument('<device>', 'node device name or mdev UUID')
    .action((device: string, _opts: unknown, cmd: Command) => {
      const { devices, mine } = hostView(cmd, device);
      const node = orOwnProblem(mine, () => requireNodedev(devices, device));
      if (globals(cmd).json) printJson({ name: node.name, parent: node.parent ?? null, ...lifecycleOf(node) });
      else out(formatNodedevInfo(node));
    });
}
