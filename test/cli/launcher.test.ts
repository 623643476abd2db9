// The bin is a CommonJS launcher (src/cli/launcher.ts): it prints commander's --help/--version text
// made at build time, runs plain nodedev-list/-dumpxml and validate command lines itself
// (src/cli/fast-path.ts) and hands everything else to the ES-module CLI. Whatever path it takes, what it prints and its exit
// code must be the CLI's, byte for byte: each case here runs both and compares.
import test from 'ava';
import { execa } from 'execa';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { parseFastCommand, parseFastValidate } from '../../src/cli/fast-path.js';
import { buildProgram } from '../../src/cli/program.js';
import { binPath as launcherPath, cliPath, repoRoot, tempDir } from '../helpers/cli.js';
import { simHost } from '../hook/helpers.js';
import { checkAsyncProperty } from '../helpers/property.js';

interface Outcome { exitCode: number | undefined; stdout: string; stderr: string }

async function run(entry: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const r = await execa(process.execPath, [entry, ...args], { reject: false, stripFinalNewline: false, env, timeout: 60_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** the launcher and the ES-module CLI on the same command line: the same bytes and exit code */
async function same(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const [viaLauncher, direct] = await Promise.all([run(launcherPath, args, env), run(cliPath, args, env)]);
  t.deepEqual(viaLauncher, direct, JSON.stringify(args));
  return viaLauncher;
}

test('package.json bin is the launcher, and it is executable', (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  t.is(path.join(repoRoot, pkg.bin['virt-mdev']!), launcherPath);
  t.truthy(fs.statSync(launcherPath).mode & 0o100);
  t.true(fs.readFileSync(launcherPath, 'utf8').startsWith('#!/usr/bin/env node\n'));
});

for (const args of [[], ['--help'], ['-h'], ['--version'], ['-V']]) {
  test(`'virt-mdev ${args.join(' ')}' from the launcher is commander's own output`, async (t) => {
    const r = await same(t, args);
    t.is(r.exitCode, 0);
    t.not(r.stdout + r.stderr, '');
  });
}

test('the help text does not depend on the terminal: a wide one gets the same text the launcher prints', async (t) => {
  let wide = '';
  const program = buildProgram().configureOutput({ writeOut: (s) => { wide += s; }, getOutHelpWidth: () => 200 });
  t.throws(() => program.parse(['--help'], { from: 'user' }), { code: 'commander.helpDisplayed' });
  t.is(wide, (await run(launcherPath, ['--help'])).stdout);
});

test('other command lines go to the CLI: help of a command, usage errors, other commands', async (t) => {
  for (const args of [['help'], ['help', 'nodedev-list'], ['nodedev-list', '--help'], ['--bogus'], ['bogus'], ['--help', '--json'], ['nodedev-lst'], ['completion', 'bash']]) {
    await same(t, args);
  }
});

test('which command lines the launcher runs itself', (t) => {
  const fast: [string[], unknown][] = [
    [['nodedev-list'], { command: 'nodedev-list', opts: {}, globals: {} }],
    [['--root', '/h', '--json', 'nodedev-list', '--tree'], { command: 'nodedev-list', opts: { tree: true }, globals: { root: '/h', json: true } }],
    [['nodedev-list', '--cap=mdev,pci', '--root=/h', '--all'], { command: 'nodedev-list', opts: { cap: 'mdev,pci', all: true }, globals: { root: '/h' } }],
    [['nodedev-dumpxml', 'mtty', '--inactive', '--json'], { command: 'nodedev-dumpxml', device: 'mtty', opts: { inactive: true }, globals: { json: true } }],
  ];
  for (const [args, want] of fast) t.deepEqual(parseFastCommand(args), want, args.join(' '));
  for (const args of [[], ['nodedev-list', '--tree', '--tree'], ['nodedev-list', 'x'], ['nodedev-list', '--'], ['nodedev-list', '-h'],
    ['--tree', 'nodedev-list'], ['nodedev-list', '--cap'], ['nodedev-list', '--cap', '--tree'], ['nodedev-list', '--cap='], ['nodedev-list', '--json=1'],
    ['nodedev-dumpxml'], ['nodedev-dumpxml', 'a', 'b'], ['nodedev-dumpxml', 'a', '--xpath', '/'], ['nodedev-dumpxml', 'a', '--wrap'],
    ['nodedev-dumpxml', '-x'], ['--root', '-x', 'nodedev-list'], ['nodedev-create', 'f'], ['nodedev-list', '--root', '/a', '--root', '/b']]) {
    t.is(parseFastCommand(args), undefined, args.join(' '));
  }
});

/** a host with parents of every kind, devices, a defined device that does not exist and an unreadable definition */
async function busyHost(): Promise<{ dir: string; cleanup: () => void; mdev: string }> {
  const h = await simHost(['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap']);
  const bus = openMdevBus(new HostRoot(h.dir));
  const mdev = crypto.randomUUID();
  await bus.create('mtty', 'mtty-1', mdev);
  await bus.create('0000:41:00.0', 'nvidia-63', crypto.randomUUID());
  fs.cpSync(path.join(repoRoot, 'test/data/mdevctl-store/truncated-json/store'), path.join(h.dir, 'etc/mdevctl.d'), { recursive: true });
  return { ...h, mdev };
}

test('nodedev-list and nodedev-dumpxml through the launcher: the CLI\'s output, warnings, errors and exit codes', async (t) => {
  const h = await busyHost();
  t.teardown(h.cleanup);
  const cases = [
    ['nodedev-list'], ['nodedev-list', '--tree'], ['nodedev-list', '--all'], ['nodedev-list', '--inactive', '--json'],
    ['--json', 'nodedev-list', '--tree', '--all'], ['nodedev-list', '--cap', 'mdev_types'], ['nodedev-list', '--cap=mdev,pci', '--json'],
    ['nodedev-list', '--cap', 'bogus'], ['nodedev-list', '--cap', 'bogus', '--json'], ['nodedev-list', '--tree', '--cap', 'mdev'], ['nodedev-list', '--tree', '--inactive'],
    ['nodedev-list', '--inactive', '--all'], ['nodedev-dumpxml', 'pci_0000_41_00_0'], ['nodedev-dumpxml', h.mdev], ['nodedev-dumpxml', h.mdev.toUpperCase(), '--json'],
    ['nodedev-dumpxml', 'mdev_10000000_0000_4000_8000_000000000001_mtty', '--inactive'], ['nodedev-dumpxml', '10000000-0000-4000-8000-000000000002'],
    ['nodedev-dumpxml', 'nope'], ['nodedev-dumpxml', 'nope', '--json'], ['nodedev-dumpxml', 'bad/name'], ['nodedev-dumpxml', 'computer', '--inactive'],
  ];
  for (const args of cases) {
    t.truthy(parseFastCommand(args), args.join(' '));
    await same(t, ['--root', h.dir, ...args]);
  }
  // the root from the environment, a root that is not there, one without sys/
  await same(t, ['nodedev-list'], { VIRT_MDEV_ROOT: h.dir });
  await same(t, ['--root', path.join(h.dir, 'nope'), 'nodedev-list']);
  const empty = tempDir();
  t.teardown(empty.cleanup);
  await same(t, ['--root', empty.dir, 'nodedev-dumpxml', 'computer', '--json']);
});

test('random command lines from the words of these commands: the launcher and the CLI agree', async (t) => {
  const h = await busyHost();
  t.teardown(h.cleanup);
  const words = ['nodedev-list', 'nodedev-dumpxml', '--root', h.dir, `--root=${h.dir}`, '--json', '--tree', '--cap', 'mdev', 'mdev_types,pci', '--cap=mdev',
    '--inactive', '--all', '--wrap', '--xpath', '/device/name', 'computer', h.mdev, 'mtty_mtty', '-h', '--', 'bogus', '--cap='];
  await checkAsyncProperty(t, fc.asyncProperty(fc.array(fc.constantFrom(...words), { maxLength: 6 }), async (args) => {
    const [a, b] = await Promise.all([run(launcherPath, args), run(cliPath, args)]);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${JSON.stringify(args)}: launcher ${JSON.stringify(a)}, CLI ${JSON.stringify(b)}`);
  }), 40);
});

test('which validate command lines the launcher runs itself', (t) => {
  const fast: [string[], unknown][] = [
    [['validate', 'a.xml'], { files: ['a.xml'], opts: {}, globals: {} }],
    [['--root', '/h', 'validate', '-q', 'a.xml', 'b.xml', '--no-libvirt'], { files: ['a.xml', 'b.xml'], opts: { quiet: true, libvirt: false }, globals: { root: '/h' } }],
    [['validate', '--format=junit', '--libvirt', '--libvirt-schemas', '/s', 'a.xml', '--json'], { files: ['a.xml'], opts: { format: 'junit', libvirt: true, libvirtSchemas: '/s' }, globals: { json: true } }],
  ];
  for (const [args, want] of fast) t.deepEqual(parseFastValidate(args), want, args.join(' '));
  for (const args of [['validate'], ['validate', '-'], ['validate', '--libvirt', '--no-libvirt', 'a'], ['validate', '-q', '--quiet', 'a'], ['validate', '--format', 'yaml', 'a'],
    ['validate', '--format', 'a'], ['validate', '-h', 'a'], ['validate', '--', 'a'], ['-q', 'validate', 'a'], ['validate', '-qx', 'a'], ['transform', 'a'], ['validate', '--xpath', '/', 'a']]) {
    t.is(parseFastValidate(args), undefined, args.join(' '));
  }
});

/** junit reports carry timings: everything else must be the same bytes */
const untimed = (o: Outcome): Outcome => ({ ...o, stdout: o.stdout.replace(/ time="[0-9.]+"/g, '') });

test('validate through the launcher: the CLI\'s reports, errors and exit codes', async (t) => {
  const h = await busyHost();
  t.teardown(h.cleanup);
  const valid = path.join(repoRoot, 'samples/domains/validate/valid/libvirt-dumpxml.xml');
  const authoring = path.join(repoRoot, 'samples/domains/managed-type-only.xml');
  const invalid = fs.readdirSync(path.join(repoRoot, 'samples/domains/invalid')).filter((f) => f.endsWith('.xml')).map((f) => path.join(repoRoot, 'samples/domains/invalid', f)).slice(0, 2);
  const cases = [
    ['validate', valid], ['validate', '-q', valid, authoring], ['--json', 'validate', valid, ...invalid], ['validate', '--format', 'json', authoring],
    ['validate', '--format=junit', valid, ...invalid], ['validate', '--no-libvirt', ...invalid], ['validate', '--libvirt', authoring], ['validate', '/nonexistent.xml'],
    ['validate', '--libvirt-schemas', '/nonexistent', valid], ['--root', h.dir, 'validate', authoring], ['validate', '--json', '/nonexistent.xml', valid],
  ];
  for (const args of cases) {
    t.truthy(parseFastValidate(args), args.join(' '));
    const [a, b] = await Promise.all([run(launcherPath, args), run(cliPath, args)]);
    t.deepEqual(untimed(a), untimed(b), JSON.stringify(args));
  }
});

test('a plain validate runs from validate-fast.cjs: no ES module, not the CLI entry (commander and every command)', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const record = path.join(d.dir, 'loaded.txt');
  // the CommonJS files required, at exit; and every ES module resolved, as it is
  fs.writeFileSync(path.join(d.dir, 'required.cjs'), `const fs = require('node:fs');\nprocess.on('exit', () => fs.appendFileSync(${JSON.stringify(record)}, Object.keys(require.cache).join('\\n') + '\\n'));\n`);
  fs.writeFileSync(path.join(d.dir, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nlet f;\nexport function initialize(x) { f = x.file; }\n"
    + 'export async function resolve(s, c, n) { const r = await n(s, c); appendFileSync(f, r.url + "\\n"); return r; }\n');
  fs.writeFileSync(path.join(d.dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(d.dir, 'hooks.mjs')).href)}, { data: { file: ${JSON.stringify(record)} } });\n`);
  const valid = path.join(repoRoot, 'samples/domains/validate/valid/libvirt-dumpxml.xml');
  const r = await run(launcherPath, ['validate', '-q', valid], { NODE_OPTIONS: `--require ${path.join(d.dir, 'required.cjs')} --import ${path.join(d.dir, 'register.mjs')}` });
  t.is(r.exitCode, 0, r.stderr);
  const loaded = fs.readFileSync(record, 'utf8').split('\n').filter((u) => u.includes('dist/app')).map((u) => path.basename(u));
  t.true(loaded.includes('validate-fast.cjs'), loaded.join(' '));
  t.deepEqual(loaded.filter((f) => f.endsWith('.mjs')), [], loaded.join(' '));
});

test('a reader that went away: the launcher ends as quietly as the CLI (exit 1, no error line)', async (t) => {
  const h = await busyHost();
  t.teardown(h.cleanup);
  const gone = (entry: string): Promise<{ code: number | null; stderr: string }> => new Promise((resolve) => {
    const c = spawn(process.execPath, [entry, '--root', h.dir, '--json', 'nodedev-list', '--all'], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.destroy();
    let stderr = '';
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => resolve({ code, stderr }));
  });
  const [a, b] = await Promise.all([gone(launcherPath), gone(cliPath)]);
  t.deepEqual(a, b);
  t.is(a.code, 1);
  t.notRegex(a.stderr, /cannot write|EPIPE|Error/);
});
