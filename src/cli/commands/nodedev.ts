// nodedev-list, nodedev-dumpxml, nodedev-create, nodedev-destroy: `virsh nodedev-*` for mdevs,
// against the host root (real sysfs or a simulated host). Output matches virsh; --json is for scripts.
import type { Command } from 'commander';
import { openMdevBus } from '../../mdevbus/bus.js';
import {
  createMdevFromRequest, destroyNodedev, filterByCaps, formatNodedevXml, nodeDevicesOf, nodedevJson,
  nodedevTreeJson, parseCaps, parseMdevCreateXml, readBoundedFile, renderTree, requireHostTree, requireNodedev, sortByName,
} from '../../nodedev/index.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson } from '../context.js';

function out(s: string): void {
  process.stdout.write(s);
}

export function registerNodedev(program: Command): void {
  program
    .command('nodedev-list')
    .description('list mdev parents and mediated devices as node devices (like virsh nodedev-list)')
    .option('--tree', 'print the device tree: computer → parents → mdevs')
    .option('--cap <caps>', 'only devices with these capabilities (comma-separated): mdev_types, mdev, pci, css, ap_matrix, system')
    .action((opts: { tree?: boolean; cap?: string }, cmd: Command) => {
      if (opts.tree && opts.cap !== undefined) {
        throw new VirtMdevError(ExitCode.USAGE, 'usage', 'options --tree and --cap are incompatible (as in virsh): drop one of them');
      }
      const caps = parseCaps(opts.cap);
      const root = hostRootOf(cmd);
      const devices = nodeDevicesOf(root);
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
    .action(async (device: string, opts: { xpath?: string; wrap?: boolean }, cmd: Command) => {
      if (opts.wrap && opts.xpath === undefined) {
        throw new VirtMdevError(ExitCode.USAGE, 'usage', 'option --wrap needs --xpath');
      }
      const root = hostRootOf(cmd);
      const node = requireNodedev(nodeDevicesOf(root), device);
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
      const [{ withLedger }, { refusePoolMemberUuid }, { loadHookConfig }] = await Promise.all([
        import('../../ledger/store.js'), import('../../pools/reserved.js'), import('../../hook/config.js'),
      ]);
      // under the ledger lock, as every change virt-mdev makes: never between a pool draw's remove and create
      const { device, generatedUuid } = await withLedger(root, () => {
        if (req.uuid !== undefined) refusePoolMemberUuid(root, req.uuid, file);
        return createMdevFromRequest(root, bus, req, file);
      }, { lockTimeoutMs: loadHookConfig(root).lockTimeoutMs });
      if (globals(cmd).json) printJson({ ...nodedevJson(device), generatedUuid, file });
      else out(`Node device ${device.name} created from ${file}\n`);
    });

  program
    .command('nodedev-destroy')
    .description('destroy a mediated device (like virsh nodedev-destroy); parents cannot be destroyed')
    .argument('<device>', 'mdev node device name or UUID')
    .option('--timeout <seconds>', 'how long to wait for a device a VM still holds open', '30')
    .action(async (device: string, opts: { timeout: string }, cmd: Command) => {
      const secs = Number(opts.timeout);
      if (!Number.isFinite(secs) || secs <= 0 || secs > 3600) {
        throw new VirtMdevError(ExitCode.USAGE, 'usage', `--timeout '${opts.timeout}' is not a number of seconds between 0 and 3600`);
      }
      const root = hostRootOf(cmd);
      const bus = openMdevBus(root);
      const node = requireNodedev(nodeDevicesOf(root, bus), device);
      const res = await destroyNodedev(bus, node, Math.round(secs * 1000));
      if (globals(cmd).json) printJson({ destroyed: true, ...res });
      else out(`Destroyed node device '${res.name}'\n`);
    });
}
