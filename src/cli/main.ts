#!/usr/bin/env node
// The virt-mdev command line. Each concept registers its own commands; heavy modules (wasm, xmldom,
// execa) are imported inside the actions that need them so that simple commands start fast.
import { Command, CommanderError } from 'commander';
import { describeSystemError, errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
import { reportError } from './run.js';
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

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not errors; everything else commander rejects is a usage error
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      const message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
      return reportError(new VirtMdevError(ExitCode.USAGE, 'usage', `${message} (see 'virt-mdev --help')`), json);
    }
    return reportError(e, json);
  }
}

// stdout that cannot be written: a reader gone (`| head`) ends us quietly, as SIGPIPE ends other tools;
// anything else (ENOSPC on a redirected file, EIO) is one line, never Node's unhandled-error stack
process.stdout.on('error', (e) => {
  if (errnoCode(e) !== 'EPIPE') process.stderr.write(`virt-mdev: cannot write the output: ${describeSystemError(e)}\n`);
  process.exit(ExitCode.FAILURE);
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
