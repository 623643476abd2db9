// The hostile-input corpus (issue 10): what a careless or hostile admin might feed virt-mdev, as data.
// Each directory test/data/hostile/<area>/<case>/ holds
//   cmd     the argv as a JSON array: ["hook", DOMAIN, OP, SUBOP] runs hooks/qemu exactly as libvirt does
//           (argv DOMAIN OP SUBOP -, the XML on stdin, LC_ALL=C PATH=/bin:/sbin HOME=/); anything else is
//           `virt-mdev --root ROOT ARGS…`. @ROOT@ is the case's host root, @CASE@ the case directory.
//   stdin   optional: the bytes on stdin (or "stdin" in setup, generated)
//   setup   optional JSON: profiles (default ["mtty"]), remove [path] (taken away first), files {path: text |
//           {parts:[text | {repeat, times}]}}, dirs, fifos, symlinks {path: target}, devices [{parent, type,
//           uuid}], env, stdin
//   root/   optional: files copied over the host root before the run
//   expect  JSON: exit (the code), stderr (a regex the ONE stderr line must match: it names the culprit;
//           null: stderr stays empty), optional stdout (a regex), optional changes (paths allowed to change),
//           logs: true when the command is documented to write the hook log (the hook itself always may)
// and the runner checks the exit code, exactly one line on stderr, and an unchanged host: sys/, etc/, run/
// (the ledger), var/ and everything placed there, before and after (lock files aside).
import test from 'ava';
import { execa, type Result } from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initSimHost } from '../../src/simhost/init.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { HostRoot } from '../../src/host/root.js';
import { cliPath, hookPath, repoRoot, snapshotTree, tempDir } from '../helpers/cli.js';
import { HOOK_ENV } from '../hook/helpers.js';

const CORPUS = path.join(repoRoot, 'test/data/hostile');

type Gen = string | { parts: Array<string | { repeat: string; times: number }> };
interface Setup {
  profiles?: string[];
  remove?: string[];
  files?: Record<string, Gen>;
  dirs?: string[];
  fifos?: string[];
  symlinks?: Record<string, string>;
  devices?: Array<{ parent: string; type: string; uuid: string }>;
  env?: Record<string, string>;
  stdin?: Gen;
}
interface Expect { exit: number; stderr: string | null; stdout?: string; changes?: string[]; logs?: boolean }
interface Case { area: string; name: string; dir: string; cmd: string[]; setup: Setup; expect: Expect; stdin?: Buffer }

const readJson = <T>(file: string, dflt?: T): T => {
  if (!fs.existsSync(file)) {
    if (dflt === undefined) throw new Error(`${file} is missing`);
    return dflt;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
};

function loadCases(): Case[] {
  const out: Case[] = [];
  for (const area of fs.readdirSync(CORPUS).sort()) {
    for (const name of fs.readdirSync(path.join(CORPUS, area)).sort()) {
      const dir = path.join(CORPUS, area, name);
      const stdinFile = path.join(dir, 'stdin');
      out.push({
        area, name, dir,
        cmd: readJson<string[]>(path.join(dir, 'cmd')),
        setup: readJson<Setup>(path.join(dir, 'setup'), {}),
        expect: readJson<Expect>(path.join(dir, 'expect')),
        ...(fs.existsSync(stdinFile) ? { stdin: fs.readFileSync(stdinFile) } : {}),
      });
    }
  }
  return out;
}

const generate = (g: Gen): string => (typeof g === 'string' ? g : g.parts.map((p) => (typeof p === 'string' ? p : p.repeat.repeat(p.times))).join(''));

// one simulated host per set of profiles, copied for each case
const templates = new Map<string, Promise<string>>();
const scratch = tempDir('virt-mdev-hostile-');
test.after.always(() => scratch.cleanup());

function template(profiles: string[]): Promise<string> {
  const key = profiles.join('+');
  let t = templates.get(key);
  if (!t) {
    const dir = path.join(scratch.dir, `template-${key}`);
    t = initSimHost(dir, profiles).then(() => dir);
    templates.set(key, t);
  }
  return t;
}

// a few cases at a time: each starts a Node process on a machine other tests load too
let running = 0;
const waiting: Array<() => void> = [];
const LIMIT = Math.max(2, Math.min(4, os.cpus().length));
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= LIMIT) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function prepareRoot(c: Case, root: string): Promise<void> {
  fs.cpSync(await template(c.setup.profiles ?? ['mtty']), root, { recursive: true, verbatimSymlinks: true });
  const rootFiles = path.join(c.dir, 'root');
  if (fs.existsSync(rootFiles)) fs.cpSync(rootFiles, root, { recursive: true, verbatimSymlinks: true });
  const at = (rel: string): string => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    return p;
  };
  for (const r of c.setup.remove ?? []) fs.rmSync(path.join(root, r), { recursive: true, force: true });
  for (const d of c.setup.dirs ?? []) fs.mkdirSync(at(d), { recursive: true });
  for (const [rel, g] of Object.entries(c.setup.files ?? {})) fs.writeFileSync(at(rel), generate(g));
  for (const f of c.setup.fifos ?? []) await execa('mkfifo', [at(f)]);
  for (const [rel, target] of Object.entries(c.setup.symlinks ?? {})) fs.symlinkSync(target.replace(/@ROOT@/g, root), at(rel));
  if (c.setup.devices?.length) {
    const bus = openMdevBus(new HostRoot(root));
    for (const d of c.setup.devices) await bus.create(d.parent, d.type, d.uuid);
  }
}

const IGNORED = [/(^|\/)virt-mdev-simulated-host\.locks(\/|$)/, /\.lock$/];

// the hook logs every call it gets past the shell wrapper (documented): its log may appear or grow
const HOOK_LOG = /^var(\/log(\/virt-mdev(\/hook\.log)?)?)?$/;

function hostSnapshot(c: Case, root: string): Record<string, string> {
  const snap = snapshotTree(root);
  const changes = c.expect.changes ?? [];
  for (const k of Object.keys(snap)) {
    if (IGNORED.some((re) => re.test(k)) || changes.includes(k) || ((c.cmd[0] === 'hook' || c.expect.logs === true) && HOOK_LOG.test(k))) delete snap[k];
  }
  return snap;
}

async function run(c: Case, root: string): Promise<Result> {
  const fill = (s: string): string => s.replace(/@ROOT@/g, root).replace(/@CASE@/g, c.dir);
  const args = c.cmd.map(fill);
  const input = c.stdin ?? (c.setup.stdin === undefined ? undefined : Buffer.from(generate(c.setup.stdin)));
  const env = Object.fromEntries(Object.entries(c.setup.env ?? {}).map(([k, v]) => [k, fill(v)]));
  const common = { input: input ?? '', reject: false, timeout: 90_000, cwd: c.dir, stripFinalNewline: false } as const;
  if (args[0] === 'hook') {
    return execa(hookPath, [...args.slice(1), '-'], { ...common, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: root, ...env }, extendEnv: false });
  }
  return execa(process.execPath, [cliPath, '--root', root, ...args], { ...common, env: { VIRT_MDEV_ROOT: '', ...env } });
}

const cases = loadCases();

test('the corpus holds at least 150 cases over the hook, the CLI, configuration, definition and pool files', (t) => {
  t.true(cases.length >= 150, `${cases.length} cases`);
  t.deepEqual([...new Set(cases.map((c) => c.area))].sort(), ['cli', 'config', 'definitions', 'hook', 'pools', 'transform', 'validate']);
});

for (const c of cases) {
  test(`${c.area}/${c.name}`, async (t) => {
    const root = path.join(scratch.dir, `${c.area}-${c.name}`);
    await prepareRoot(c, root);
    const before = hostSnapshot(c, root);
    const r = await limited(() => run(c, root));
    const stderr = String(r.stderr);
    const show = `exit ${String(r.exitCode)}${r.signal ? ` (${r.signal})` : ''}, stderr: ${stderr}`;
    t.is(r.exitCode, c.expect.exit, show);
    if (c.expect.stderr === null) {
      t.is(stderr, '', show);
    } else {
      const lines = stderr.replace(/\n$/, '').split('\n');
      t.is(lines.length, 1, `one line on stderr, got: ${stderr}`);
      t.regex(lines[0]!, new RegExp(c.expect.stderr), show);
      t.notRegex(stderr, /\bat .*\.js:\d+|internal error/, 'no stack trace');
    }
    if (c.expect.stdout !== undefined) t.regex(String(r.stdout), new RegExp(c.expect.stdout));
    t.deepEqual(hostSnapshot(c, root), before, 'the host is unchanged');
    fs.rmSync(root, { recursive: true, force: true });
  });
}
