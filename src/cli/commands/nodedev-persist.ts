// nodedev-define, nodedev-undefine, nodedev-start, nodedev-autostart, nodedev-info: persistent mdevs
// in mdevctl's store (etc/mdevctl.d), printed as virsh 9.0 prints them. The actions are in
// ./nodedev-persist-actions.ts, imported only when one of these commands runs.
import type { Command } from 'commander';
import { lazyAction } from '../context.js';

const actions = (): Promise<typeof import('./nodedev-persist-actions.js')> => import('./nodedev-persist-actions.js');

export function registerNodedevPersist(program: Command): void {
  program
    .command('nodedev-define')
    .description("define a persistent mediated device in mdevctl's store from node-device XML (like virsh nodedev-define)")
    .argument('<file>', "node-device XML file: <parent>, <capability type='mdev'> with <type id>, optional <uuid> and <attr name value>")
    .action(lazyAction(actions, 'nodedevDefine'));

  program
    .command('nodedev-undefine')
    .description('remove a device\'s definition; a running device keeps running, transient (like virsh nodedev-undefine)')
    .argument('<device>', 'mdev node device name or UUID')
    .action(lazyAction(actions, 'nodedevUndefine'));

  program
    .command('nodedev-start')
    .description('start an inactive defined mediated device (like virsh nodedev-start)')
    .argument('<device>', 'mdev node device name or UUID')
    .action(lazyAction(actions, 'nodedevStart'));

  program
    .command('nodedev-autostart')
    .description('start a defined device at boot and when its parent registers, or not with --disable (like virsh nodedev-autostart)')
    .argument('<device>', 'mdev node device name or UUID')
    .option('--disable', 'do not start it automatically')
    .action(lazyAction(actions, 'nodedevAutostart'));

  program
    .command('nodedev-info')
    .description('name, parent, and whether a device is active, persistent and autostarted (like virsh nodedev-info)')
    .argument('<device>', 'node device name or mdev UUID')
    .action(lazyAction(actions, 'nodedevInfo'));
}
