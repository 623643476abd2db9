// pool-define, pool-undefine, pool-start, pool-destroy, pool-autostart, pool-list, pool-info,
// pool-dumpxml, pool-resize: named like virsh's storage-pool verbs, printed the way virsh prints
// them; --json for scripts. The work is done in src/pools, the actions in ./pools-actions.ts,
// which is imported only when a pool verb runs.
import type { Command } from 'commander';
import { lazyAction } from '../context.js';

const actions = (): Promise<typeof import('./pools-actions.js')> => import('./pools-actions.js');

function registerDefinitionVerbs(program: Command): void {
  program
    .command('pool-define')
    .description('define (or update) a pool from an <mdevpool> XML file; stored as etc/virt-mdev/pools/NAME.xml')
    .argument('<file>', 'pool XML file')
    .action(lazyAction(actions, 'poolDefine'));

  program
    .command('pool-undefine')
    .description('remove an inactive pool\'s definition (and its autostart mark)')
    .argument('<pool>', 'pool name')
    .action(lazyAction(actions, 'poolUndefine'));

  program
    .command('pool-autostart')
    .description('start the pool at boot (an autostart/NAME.xml link next to its definition)')
    .argument('<pool>', 'pool name')
    .option('--disable', 'do not start it at boot')
    .action(lazyAction(actions, 'poolAutostart'));

  program
    .command('pool-dumpxml')
    .description("print a pool's definition")
    .argument('<pool>', 'pool name')
    .action(lazyAction(actions, 'poolDumpxml'));
}

function registerStateVerbs(program: Command): void {
  program
    .command('pool-start')
    .description('create the pool\'s members (what fits, when not all do: exit 7 says what is missing)')
    .argument('<pool>', 'pool name')
    .action(lazyAction(actions, 'poolStart'));

  program
    .command('pool-destroy')
    .description('remove the pool\'s members (refused while any is lent to a domain); the definition stays')
    .argument('<pool>', 'pool name')
    .option('--timeout <seconds>', 'how long to wait for a member something still holds open', '30')
    .action(lazyAction(actions, 'poolDestroy'));

  program
    .command('pool-resize')
    .description('grow (create members) or shrink (remove the free members with the highest indices) a pool')
    .argument('<pool>', 'pool name')
    .argument('<size>', 'new number of members')
    .option('--timeout <seconds>', 'how long to wait for a member something still holds open', '30')
    .action(lazyAction(actions, 'poolResize'));
}

function registerViews(program: Command): void {
  program
    .command('pool-list')
    .description('list active pools (with --all also inactive ones), like virsh pool-list')
    .option('--all', 'also list inactive pools')
    .action(lazyAction(actions, 'poolList'));

  program
    .command('pool-info')
    .description('show a pool\'s state: type, parents, size, free and lent members')
    .argument('<pool>', 'pool name')
    .action(lazyAction(actions, 'poolInfo'));
}

export function registerPools(program: Command): void {
  registerDefinitionVerbs(program);
  registerStateVerbs(program);
  registerViews(program);
}
