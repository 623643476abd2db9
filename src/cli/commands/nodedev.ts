// nodedev-list, nodedev-dumpxml, nodedev-create, nodedev-destroy: `virsh nodedev-*` for mdevs,
// against the host root (real sysfs or a simulated host), with the defined devices of mdevctl's store
// merged in as libvirt shows them. Output matches virsh; --json is for scripts. The actions are in
// ./nodedev-read-actions.ts, ./nodedev-dumpxml-action.ts and ./nodedev-actions.ts, imported only when
// one of these commands runs.
import type { Command } from 'commander';
import { lazyAction } from '../context.js';

const actions = (): Promise<typeof import('./nodedev-actions.js')> => import('./nodedev-actions.js');
const listAction = (): Promise<typeof import('./nodedev-read-actions.js')> => import('./nodedev-read-actions.js');
const dumpxmlAction = (): Promise<typeof import('./nodedev-dumpxml-action.js')> => import('./nodedev-dumpxml-action.js');

export function registerNodedev(program: Command): void {
  program
    .command('nodedev-list')
    .description('list mdev parents and mediated devices as node devices (like virsh nodedev-list)')
    .option('--tree', 'print the device tree: computer → parents → mdevs')
    .option('--cap <caps>', 'only devices with these capabilities (comma-separated): mdev_types, mdev, pci, css, ap_matrix, system')
    .option('--inactive', 'only defined devices that do not exist now')
    .option('--all', 'active and inactive devices')
    .action(lazyAction(listAction, 'nodedevList'));

  program
    .command('nodedev-dumpxml')
    .description('print the libvirt node-device XML of a device (like virsh nodedev-dumpxml)')
    .argument('<device>', 'node device name (e.g. mdev_<uuid>_<parent>, pci_0000_00_02_0) or mdev UUID')
    .option('--xpath <expression>', 'print only what the XPath expression selects')
    .option('--wrap', 'with --xpath: wrap the results in a <nodes> element')
    .option('--inactive', "a defined device as its definition describes it (type, attributes), as later libvirt's flag")
    .action(lazyAction(dumpxmlAction, 'nodedevDumpxml'));

  program
    .command('nodedev-create')
    .description("create a mediated device from libvirt node-device XML (<parent> + <capability type='mdev'>)")
    .argument('<file>', 'node-device XML file')
    .action(lazyAction(actions, 'nodedevCreate'));

  program
    .command('nodedev-destroy')
    .description('destroy a mediated device (like virsh nodedev-destroy); parents cannot be destroyed')
    .argument('<device>', 'mdev node device name or UUID')
    .option('--timeout <seconds>', 'how long to wait for a device a VM still holds open', '30')
    .option('--force', 'destroy it even if a running domain uses it (per libvirt\'s status files)')
    .action(lazyAction(actions, 'nodedevDestroy'));
}
