// What every command needs from the global options, resolved the same way everywhere.
import type { Command } from 'commander';
import { resolveHostRoot, type HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { writeStdout } from './stdout-errors.js';

export interface GlobalOptions {
  root?: string;
  json?: boolean;
}

/** What an action needs of its command: the global options (the launcher's fast path gives just that) */
export type CommandLike = Pick<Command, 'optsWithGlobals'>;

export function globals(cmd: CommandLike): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function hostRootOf(cmd: CommandLike): HostRoot {
  return resolveHostRoot(globals(cmd).root);
}

/**
 * The host root for commands that install what runs later on its own (the hook, the units): they
 * write that root into what they install, so a VIRT_MDEV_ROOT left exported from a dry run must not
 * choose it silently. Only --root on the command line does.
 */
export function installRootOf(cmd: Command, what: string): HostRoot {
  const fromEnv = process.env.VIRT_MDEV_ROOT;
  if (globals(cmd).root === undefined && fromEnv !== undefined && fromEnv !== '') {
    throw new VirtMdevError(ExitCode.USAGE, 'root-from-env',
      `VIRT_MDEV_ROOT is set (${printable(fromEnv, 200)}): ${what} would install into that root and make what it installs act on it; `
      + `pass --root '${printable(fromEnv, 200)}' to mean that, or unset VIRT_MDEV_ROOT to install for this host`);
  }
  return hostRootOf(cmd);
}

/** Where an install went, for its report: nothing to add for the host itself. */
export function rootNote(root: HostRoot): string {
  return root.dir === '/' ? '' : `host root ${root.dir}: what was installed acts on that root, not on this host\n`;
}

export function printJson(value: unknown): void {
  writeStdout(JSON.stringify(value, null, 2) + '\n');
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
export function warnStoreProblems(cmd: CommandLike, problems: { file: string; message: string }[]): void {
  for (const p of problems) {
    process.stderr.write(globals(cmd).json
      ? JSON.stringify({ warning: 'bad-definition', file: p.file, message: p.message }) + '\n'
      : `virt-mdev: warning: ${p.message}\n`);
  }
}

/**
 * A command's action whose module is imported only when that command runs: registering a command
 * (name, description, options) costs nothing, so `--help` and every other command never load it.
 */
export function lazyAction<M>(load: () => Promise<M>, name: keyof M & string): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const run = (await load())[name] as (...a: unknown[]) => unknown;
    await run(...args);
  };
}
