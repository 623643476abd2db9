// What shell completion needs to know about the command line, read from the commander program
// itself (so it cannot go stale): each command's subcommands, options and positional arguments, and
// what kind of word each value is. The kind comes from the placeholder's name (`<pool>`, `--root
// <dir>`) or the declared choices.
import type { Argument, Command, Option } from 'commander';

/**
 * file, dir: from the file system; device, uuid, parent, pool: from the host (virt-mdev … --json);
 * command: a sibling of the command (`help COMMAND`); choice: the declared choices; none: nothing to offer.
 */
export type SimpleKind = 'none' | 'file' | 'dir' | 'device' | 'uuid' | 'parent' | 'pool' | 'command';
export type ValueKind = { kind: SimpleKind } | { kind: 'choice'; choices: string[] };

export interface OptionSpec {
  /** '-o', '--output' */
  words: string[];
  value: 'none' | 'required' | 'optional';
  kind: ValueKind;
}

export interface CommandSpec {
  /** words after the program name, [] for the program itself */
  path: string[];
  subcommands: string[];
  options: OptionSpec[];
  /** positional arguments in order; the last one repeats when variadic */
  args: ValueKind[];
  variadic: boolean;
}

const KIND_BY_PLACEHOLDER: Record<string, SimpleKind> = {
  dir: 'dir', directory: 'dir', file: 'file', path: 'file',
  device: 'device', uuid: 'uuid', parent: 'parent', dev: 'parent', pool: 'pool', command: 'command',
};

function kindOf(placeholder: string | undefined, choices: readonly string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choice', choices: [...choices] };
  return { kind: (placeholder && KIND_BY_PLACEHOLDER[placeholder]) || 'none' };
}

function optionSpec(o: Option): OptionSpec {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  return {
    words: [o.short, o.long].filter((w): w is string => typeof w === 'string'),
    value: o.required ? 'required' : o.optional ? 'optional' : 'none',
    kind: kindOf(placeholder?.replace(/\.\.\.$/, ''), o.argChoices),
  };
}

function argumentKind(a: Argument): ValueKind {
  return kindOf(a.name(), a.argChoices);
}

function walk(cmd: Command, path: string[], out: CommandSpec[]): void {
  const help = cmd.createHelp();
  const subs = help.visibleCommands(cmd);
  out.push({
    path,
    subcommands: subs.map((c) => c.name()),
    options: help.visibleOptions(cmd).map(optionSpec),
    args: cmd.registeredArguments.map(argumentKind),
    variadic: cmd.registeredArguments.at(-1)?.variadic ?? false,
  });
  for (const c of subs) {
    if (cmd.commands.includes(c)) walk(c, [...path, c.name()], out);
    // commander's implicit `help [command]`: its argument is one of its siblings
    else out.push({ path: [...path, c.name()], subcommands: [], options: [], args: [{ kind: 'command' }], variadic: false });
  }
}

/** Every command of the program, the program itself first. */
export function completionSpec(program: Command): CommandSpec[] {
  const out: CommandSpec[] = [];
  walk(program, [], out);
  return out;
}
