// The virt-mdev command line's definition: every concept registers its own commands. Kept apart from
// main.ts (which runs it) so that the build can ask commander for the texts the launcher answers
// without loading it (scripts/bundles.ts, src/cli/launcher.ts).
import { Command } from 'commander';
import { registerSimulate } from './commands/simulate.js';
import { registerNodedev } from './commands/nodedev.js';
import { registerNodedevPersist } from './commands/nodedev-persist.js';
import { registerValidate } from './commands/validate.js';
import { registerTransform } from './commands/transform.js';
import { registerHookAdmin } from './commands/hook-admin.js';
import { registerPools } from './commands/pools.js';
import { registerAutostart } from './commands/autostart.js';
import { registerInstall } from './commands/install.js';
import { registerMetrics } from './commands/metrics.js';
import { registerCompletion } from './commands/completion.js';
import { registerCheck } from './commands/check.js';
import { registerManpage } from './commands/manpage.js';

/** commander's width when stdout is not a terminal, now on every one */
export const HELP_WIDTH = 80;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('virt-mdev')
    .description('VFIO mediated devices (vGPUs) for libvirt hosts')
    .version('0.1.0')
    .option('--root <dir>', 'host root (default: $VIRT_MDEV_ROOT or /); a simulated host directory for dry runs')
    .option('--json', 'machine-readable output')
    // commander's usage errors are reported by main() like every other error: one line, --json aware
    .configureOutput({ outputError: () => undefined })
    // the same text on every terminal: the launcher answers --help with text made at build time
    .configureHelp({ helpWidth: HELP_WIDTH })
    .exitOverride();
  registerSimulate(program);
  registerNodedev(program);
  registerNodedevPersist(program);
  registerValidate(program);
  registerTransform(program);
  registerHookAdmin(program);
  registerPools(program);
  registerAutostart(program);
  registerInstall(program);
  registerMetrics(program);
  registerCompletion(program);
  registerCheck(program);
  registerManpage(program);
  return program;
}

