// `virt-mdev completion bash`, run by bash as readline would run it: COMP_WORDS/COMP_CWORD set as bash
// splits the line, then the completion function, then COMPREPLY. `virt-mdev` on PATH is this build;
// host words come from simulated hosts named by --root (or an exported VIRT_MDEV_ROOT).
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binPath, tempDir, virtMdev } from '../helpers/cli.js';
import { simHost, type Host } from '../nodedev/helpers.js';
import { define } from '../pools/helpers.js';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

let script = '';
let bin = '';

test.before(async () => {
  const r = await virtMdev(['completion', 'bash']);
  if (r.exitCode !== 0) throw new Error(String(r.stderr));
  const d = tempDir('virt-mdev-completion-');
  script = path.join(d.dir, 'virt-mdev.bash');
  fs.writeFileSync(script, String(r.stdout));
  bin = path.join(d.dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'virt-mdev'), `#!/bin/sh\nexec ${q(process.execPath)} ${q(binPath)} "$@"\n`, { mode: 0o755 });
});

interface Completion { words: string[]; stderr: string }

/** Complete the last of words (bash's split of the line: '--root=X' is '--root', '=', 'X'). */
async function complete(words: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Completion> {
  const line = words.join(' ');
  const program = [
    `source ${q(script)}`,
    `COMP_WORDS=(${words.map(q).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${q(line)}`,
    `COMP_POINT=${line.length}`,
    '_virt_mdev',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = await execa('bash', ['--norc', '--noprofile', '-c', program], {
    env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: process.env.HOME ?? '/', ...opts.env }, extendEnv: false, cwd: opts.cwd, reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`bash: ${r.stderr}`);
  return { words: r.stdout.split('\n').filter((w) => w !== ''), stderr: r.stderr };
}

const words = async (w: string[], opts?: { env?: Record<string, string>; cwd?: string }): Promise<string[]> => (await complete(w, opts)).words.sort();

test('the script is valid bash and registers itself for virt-mdev', async (t) => {
  const r = await execa('bash', ['--norc', '-c', `source ${q(script)} && complete -p virt-mdev`]);
  t.is(r.stdout, 'complete -F _virt_mdev virt-mdev');
});

test('commands are exactly those of --help, so the table cannot go stale', async (t) => {
  const help = String((await virtMdev(['--help'])).stdout);
  const listed = help.slice(help.indexOf('Commands:')).split('\n').slice(1).map((l) => /^ {2}(\S+)/.exec(l)?.[1]).filter((w): w is string => !!w);
  t.true(listed.includes('metrics') && listed.includes('pool-list'));
  t.deepEqual(await words(['virt-mdev', '']), [...listed].sort());
  t.deepEqual(await words(['virt-mdev', 'pool-s']), ['pool-start']);
  t.deepEqual(await words(['virt-mdev', 'simulate', '']), ['help', 'hold', 'init', 'plug', 'profiles', 'reboot', 'unhold', 'unplug']);
  t.deepEqual(await words(['virt-mdev', 'help', 'nodedev-d']), ['nodedev-define', 'nodedev-destroy', 'nodedev-dumpxml']);
});

test('options of the command and the global ones; choices and file names as values', async (t) => {
  t.deepEqual(await words(['virt-mdev', 'pool-destroy', '--']), ['--help', '--json', '--root', '--timeout', '--version']);
  t.deepEqual(await words(['virt-mdev', '--']), ['--help', '--json', '--root', '--version']);
  t.deepEqual(await words(['virt-mdev', 'validate', '--format', '']), ['json', 'junit', 'text']);
  t.deepEqual(await words(['virt-mdev', 'validate', '--format', '=', 'j']), ['json', 'junit']);
  t.deepEqual(await words(['virt-mdev', 'metrics', '--']), ['--help', '--json', '--root', '--textfile', '--version']);
  const d = tempDir();
  t.teardown(d.cleanup);
  fs.writeFileSync(path.join(d.dir, 'vm.xml'), '');
  fs.mkdirSync(path.join(d.dir, 'prom'));
  t.deepEqual(await words(['virt-mdev', 'transform', ''], { cwd: d.dir }), ['prom', 'vm.xml']);
  t.deepEqual(await words(['virt-mdev', 'validate', 'vm.xml', 'v'], { cwd: d.dir }), ['vm.xml'], 'validate takes many files');
  t.deepEqual(await words(['virt-mdev', 'metrics', '--textfile', ''], { cwd: d.dir }), ['prom'], 'directories only');
  t.deepEqual(await words(['virt-mdev', 'nodedev-list', '--tree', ''], { cwd: d.dir }), [], 'no positional argument: nothing');
});

async function busyHost(): Promise<{ h: Host; mdev: string; uuid: string; defined: { name: string; uuid: string } }> {
  const h = await simHost('mtty', 'gvt-g');
  const made = await h.run(['--json', 'nodedev-create', h.file('m.xml', "<device>\n  <parent>mtty</parent>\n  <capability type='mdev'>\n    <type id='mtty-1'/>\n  </capability>\n</device>\n")]);
  const dev = JSON.parse(String(made.stdout)) as { name: string; uuid: string };
  const def = await h.run(['--json', 'nodedev-define', h.file('d.xml', "<device>\n  <parent>mtty</parent>\n  <capability type='mdev'>\n    <type id='mtty-2'/>\n  </capability>\n</device>\n")]);
  await define(h, 'vdi', 'mtty-2', 2);
  await define(h, 'video', 'i915-GVTg_V5_4', 1);
  return { h, mdev: dev.name, uuid: dev.uuid, defined: JSON.parse(String(def.stdout)) as { name: string; uuid: string } };
}

test('node-device names, UUIDs and pool names come from the host the command line names with --root', async (t) => {
  const { h, mdev, uuid, defined } = await busyHost();
  t.teardown(h.cleanup);
  const parents = ['mtty_mtty', 'pci_0000_00_02_0'];
  const c = await complete(['virt-mdev', '--root', h.dir, 'nodedev-dumpxml', '']);
  t.is(c.stderr, '');
  t.deepEqual(c.words.sort(), ['computer', defined.name, defined.uuid, mdev, ...parents, uuid].sort(), 'defined devices too');
  t.deepEqual(await words(['virt-mdev', '--root', h.dir, 'nodedev-destroy', uuid.slice(0, 8)]), [uuid]);
  t.deepEqual(await words(['virt-mdev', 'pool-start', '--root', h.dir, 'v']), ['vdi', 'video'], '--root after the command, inactive pools too');
  t.deepEqual(await words(['virt-mdev', '--root', '=', h.dir, 'pool-info', 'vi']), ['video'], "--root=DIR, split at '=' by bash");
  t.deepEqual(await words(['virt-mdev', '--root', h.dir, 'autostart', '--parent', '']), parents);
  t.deepEqual(await words(['virt-mdev', '--root', h.dir, 'simulate', 'hold', '']), [uuid], 'existing mdevs only');
  t.deepEqual(await words(['virt-mdev', 'simulate', 'unplug', h.dir, '']), parents, "simulate's DIR names the host");
  t.deepEqual(await words(['virt-mdev', 'pool-start', ''], { env: { VIRT_MDEV_ROOT: h.dir } }), ['vdi', 'video'], 'an exported VIRT_MDEV_ROOT');
});

test('a host that cannot answer gives no words and no noise', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  for (const root of [d.dir, path.join(d.dir, 'missing')]) {
    const c = await complete(['virt-mdev', '--root', root, 'pool-start', '']);
    t.deepEqual(c, { words: [], stderr: '' }, root);
  }
});
