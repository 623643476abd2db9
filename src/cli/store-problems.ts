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
  const mine = uuid === undefined ? undefined : problems.find((p) => p.uuid === uuid);
  warnStoreProblems(cmd, problems.filter((p) => p.uuid === undefined || p.uuid !== uuid));
  return mine;
}

/** fn's result; a device that is not found but whose definition file is unreadable fails naming that file */
export function orOwnProblem<T>(mine: StoreProblem | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (mine && e instanceof VirtMdevError && e.exitCode === ExitCode.NOT_FOUND) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-definition', mine.message, { cause: e });
    }
    throw e;
  }
}
