// The command lines the launcher (./launcher.ts) runs without commander: nodedev-list and
// nodedev-dumpxml in their plain forms, the reports an admin types most. Only a strict subset of
// what commander accepts is recognised here: every option at most once, values that cannot be
// mistaken for options, nothing commander would complain about or print help for. Anything else
// (help, `--`, a repeated or unknown option, --xpath, a stray argument) returns undefined and goes
// to the full CLI, so usage errors and their wording stay commander's. test/cli/launcher.test.ts
// runs both on the same command lines and compares stdout, stderr and exit code.

export type FastCommand =
  | { command: 'nodedev-list'; opts: { tree?: true; cap?: string; inactive?: true; all?: true }; globals: FastGlobals }
  | { command: 'nodedev-dumpxml'; device: string; opts: { inactive?: true }; globals: FastGlobals };

export interface FastGlobals { root?: string; json?: true }

/** flags (no value) each command takes, as commander defines them (src/cli/commands/nodedev.ts) */
const FLAGS: Record<FastCommand['command'], readonly string[]> = {
  'nodedev-list': ['--tree', '--inactive', '--all'],
  'nodedev-dumpxml': ['--inactive'],
};
/** options with a value, per command ('' for the program's own) */
const VALUED: Record<FastCommand['command'] | '', readonly string[]> = {
  '': ['--root'],
  'nodedev-list': ['--cap'],
  'nodedev-dumpxml': [],
};

/** a value commander takes as given: not empty and not something that looks like an option */
const plainValue = (v: string | undefined): v is string => v !== undefined && v !== '' && !v.startsWith('-');

export function parseFastCommand(argv: readonly string[]): FastCommand | undefined {
  let command: FastCommand['command'] | undefined;
  const globals: FastGlobals = {};
  const opts: Record<string, string | true> = {};
  const positional: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      if (command !== undefined) positional.push(a);
      else if (a === 'nodedev-list' || a === 'nodedev-dumpxml') command = a;
      else return undefined;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (seen.has(name)) return undefined;
    seen.add(name);
    if (name === '--json' && eq < 0) {
      globals.json = true;
      continue;
    }
    if (command !== undefined && FLAGS[command].includes(name) && eq < 0) {
      opts[name.slice(2)] = true;
      continue;
    }
    const isGlobal = VALUED[''].includes(name);
    if (!isGlobal && (command === undefined || !VALUED[command].includes(name))) return undefined;
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (!plainValue(value)) return undefined;
    if (isGlobal) globals.root = value;
    else opts[name.slice(2)] = value;
  }
  if (command === 'nodedev-list' && positional.length === 0) return { command, opts, globals };
  if (command === 'nodedev-dumpxml' && positional.length === 1) return { command, device: positional[0]!, opts, globals };
  return undefined;
}

export interface FastValidate {
  files: string[];
  opts: { quiet?: true; libvirt?: boolean; format?: 'text' | 'json' | 'junit'; libvirtSchemas?: string };
  globals: FastGlobals;
}

const FORMATS: readonly string[] = ['text', 'json', 'junit'];

/**
 * `validate FILE…` with -q/--quiet, --libvirt or --no-libvirt, --format text|json|junit,
 * --libvirt-schemas DIR and the program's --root/--json, each at most once; files that cannot be
 * mistaken for options ('-', stdin, goes to the full CLI). Anything else: undefined.
 */
export function parseFastValidate(argv: readonly string[]): FastValidate | undefined {
  const globals: FastGlobals = {};
  const opts: FastValidate['opts'] = {};
  const files: string[] = [];
  const seen = new Set<string>();
  let command = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      if (command) files.push(a);
      else if (a === 'validate') command = true;
      else return undefined;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const key = name === '-q' ? '--quiet' : name === '--no-libvirt' ? '--libvirt' : name;
    if (seen.has(key)) return undefined;
    seen.add(key);
    if (eq < 0 && (name === '--json' || (command && ['-q', '--quiet', '--libvirt', '--no-libvirt'].includes(name)))) {
      if (name === '--json') globals.json = true;
      else if (name === '--libvirt' || name === '--no-libvirt') opts.libvirt = name === '--libvirt';
      else opts.quiet = true;
      continue;
    }
    if (name !== '--root' && !(command && (name === '--format' || name === '--libvirt-schemas'))) return undefined;
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (!plainValue(value)) return undefined;
    if (name === '--root') globals.root = value;
    else if (name === '--libvirt-schemas') opts.libvirtSchemas = value;
    else if (FORMATS.includes(value)) opts.format = value as FastValidate['opts']['format'];
    else return undefined;
  }
  return command && files.length > 0 ? { files, opts, globals } : undefined;
}
