// Runs a command line the launcher parsed alone (./fast-path.ts) with the CLI's own actions and
// error reporting, as main() would after commander: bundled as dist/app/nodedev-read.cjs, which
// holds only what reading the host's node devices needs.
import { ExitCode } from '../util/errors.js';
import { nodedevDumpxmlWhole, nodedevList } from './commands/nodedev-read-actions.js';
import type { FastCommand } from './fast-path.js';
import { reportError } from './run.js';

export function runFast(c: FastCommand): number {
  const cmd = { optsWithGlobals: <T>() => ({ ...c.globals, ...c.opts }) as T };
  try {
    if (c.command === 'nodedev-list') nodedevList(c.opts, cmd);
    else nodedevDumpxmlWhole(c.device, c.opts, cmd);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (e) {
    return reportError(e, c.globals.json === true);
  }
}
