// Definition-store problems for commands about one device: that device's own broken file is the
// command's error; the others are warnings. Kept apart from context.ts, which --help loads.
import type { StoreProblem } from '../definitions/types.js';
import { parseNameArg } from '../nodedev/names.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { warnStoreProblems, type CommandLike } from './context.js';

/**
 * For a command about one device: a store problem with that device's own definition is what the
 * command fails with (one line, returned here for that); problems with other files are warned about.
 */
export function warnOtherStoreProblems(cmd: CommandLike, problems: StoreProblem[], device: string): StoreProblem | undefined {
  let uuid: string | undefined;
  try {
    const q = parseNameArg(device);
    if (q.kind === 'uuid') uuid = q.uuid;
  } catch {
    // a bad name: the command itself says so
  }
  // a store that cannot be read at all hides this device's definition as much as a broken file would
  const mine = uuid === undefined ? undefined : problems.find((p) => p.uuid === uuid) ?? problems.find((p) => p.storeWide);
  warnStoreProblems(cmd, problems.filter((p) => p !== mine));
  return mine;
}

/** what a NOT_FOUND error becomes when the device's definition could not be read */
function withOwnProblem(mine: StoreProblem | undefined, e: unknown): unknown {
  if (!mine || !(e instanceof VirtMdevError) || e.exitCode !== ExitCode.NOT_FOUND) return e;
  if (mine.storeWide) return new VirtMdevError(ExitCode.NOT_FOUND, e.reason, `${e.message.replace(/: see '[^']*'$/, '')}, and ${mine.message}`, { cause: e });
  return new VirtMdevError(ExitCode.BAD_VALUE, 'bad-definition', mine.message, { cause: e });
}

/** fn's result (or promise); a device that is not found but whose definition is unreadable fails naming that file */
export function orOwnProblem<T>(mine: StoreProblem | undefined, fn: () => T): T {
  try {
    const r = fn();
    return (r instanceof Promise ? r.catch((e: unknown) => { throw withOwnProblem(mine, e); }) : r) as T;
  } catch (e) {
    throw withOwnProblem(mine, e);
  }
}
