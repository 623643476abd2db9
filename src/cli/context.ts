// What every command needs from the global options, resolved the same way everywhere.
import type { Command } from 'commander';
import { resolveHostRoot, type HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';

export interface GlobalOptions {
  root?: string;
  json?: boolean;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function hostRootOf(cmd: Command): HostRoot {
  return resolveHostRoot(globals(cmd).root);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** An option value in seconds (fractions allowed), as milliseconds. */
export function seconds(v: string, what: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new VirtMdevError(ExitCode.USAGE, 'bad-seconds', `${what} '${v}' is not a number of seconds`);
  return Math.round(Number(v) * 1000);
}

/**
 * Store files that could not be read: one warning line each on stderr, naming the file, while the
 * command goes on with the rest (as JSON lines with --json).
 */
export function warnStoreProblems(cmd: Command, problems: { file: string; message: string }[]): void {
  for (const p of problems) {
    process.stderr.write(globals(cmd).json
      ? JSON.stringify({ warning: 'bad-definition', file: p.file, message: p.message }) + '\n'
      : `virt-mdev: warning: ${p.message}\n`);
  }
}
