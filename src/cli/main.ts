#!/usr/bin/env node
// The virt-mdev command line (its commands: ./program.ts). Heavy modules (wasm, xmldom, execa) are
// imported inside the actions that need them so that simple commands start fast.
import { CommanderError } from 'commander';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { buildProgram } from './program.js';
import { reportError } from './run.js';
import { onStdoutError } from './stdout-errors.js';

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

onStdoutError();

const code = await main(process.argv.slice(2));
process.exitCode = code;
