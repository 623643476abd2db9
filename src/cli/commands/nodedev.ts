// nodedev-list, nodedev-dumpxml, nodedev-create, nodedev-destroy: `virsh nodedev-*` for mdevs,
// against the host root (real sysfs or a simulated host), with the defined devices of mdevctl's store
// merged in as libvirt shows them. Output matches virsh; --json is for scripts.
import type { Command } from 'commander';
import { openMdevBus } from '../../mdevbus/bus.js';
import {
  createMdevFromRequest, definitionView, destroyNodedev, filterByCaps, filterByState, formatNodedevXml, nodedevJson,
  nodedevTreeJson, nodedevView, parseCaps, parseMdevCreateXml, readBoundedFile, renderTree, requireHostTree, requireNodedev, sortByName,
} from '../../nodedev/index.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson, warnStoreProblems, warnOtherStoreProblems, orOwnProblem } from '../context.js';

function out(s: string): void {
  process.stdout.write(s);
}

export function registerNodedev(program: Command): void {
  program
    .command('nodedev-list')
    .description('list mdev parents and mediated devices as node devices (like virsh nodedev-list)')
    .option('--tree', 'print the device tree: computer → parents → mdevs')
    .option('--cap <caps>', 'only devices with these capabilities (comma-separated): mdev_types, mdev, pci, css, ap_matrix, system')
    .option('--inactive', 'only defined devices that do not exist now')
    .option('--all', 'active and inactive devices')
    .action((opts: { tree?: boolean; cap?: string; inactive?: boolean; all?: boolean }, cmd: Command) => {
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
    });

  program
    .command('nodedev-dumpxml')
    .description('print the libvirt node-device XML of a device (like virsh nodedev-dumpxml)')
    .argument('<device>', 'node device name (e.g. mdev_<uuid>_<parent>, pci_0000_00_02_0) or mdev UUID')
    .option('--xpath <expression>', 'print only what the XPath expression selects')
    .option('--wrap', 'with --xpath: wrap the results in a <nodes> element')
    .option('--inactive', "a defined device as its definition describes it (type, attributes), as later libvirt's flag")
    .action(async (device: string, opts: { xpath?: string; wrap?: boolean; inactive?: boolean }, cmd: Command) => {
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
    });

  program
    .command('nodedev-create')
    .description("create a mediated device from libvirt node-device XML (<parent> + <capability type='mdev'>)")
    .argument('<file>', 'node-device XML file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      // the document is checked completely before the host is looked at
      const req = parseMdevCreateXml(readBoundedFile(file), file);
      const root = hostRootOf(cmd);
      requireHostTree(root);
      const bus = openMdevBus(root);
      const { device, generatedUuid } = await createMdevFromRequest(root, bus, req, file);
      if (globals(cmd).json) printJson({ ...nodedevJson(device), generatedUuid, file });
      else out(`Node device ${device.name} created from ${file}\n`);
    });

  program
    .command('nodedev-destroy')
    .description('destroy a mediated device (like virsh nodedev-destroy); parents cannot be destroyed')
    .argument('<device>', 'mdev node device name or UUID')
    .option('--timeout <seconds>', 'how long to wait for a device a VM still holds open', '30')
    .option('--force', 'destroy it even if a running domain uses it (per libvirt\'s status files)')
    .action(async (device: string, opts: { timeout: string; force?: boolean }, cmd: Command) => {
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
    });
}
