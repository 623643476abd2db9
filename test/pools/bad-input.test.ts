// Bad input: one clear line on stderr, its own exit code, and the host tree byte-for-byte unchanged.
// pool-define's cases are files under test/data/pool-define/<case>/ (pool.xml + expected.json).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, snapshotTree, virtMdev } from '../helpers/cli.js';
import { define, poolXml, simHost, type Host } from './helpers.js';

interface Expected { code: number; stderr: string }

const dataDir = path.join(repoRoot, 'test/data/pool-define');
const defineCases = fs.readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface ArgCase { title: string; args: string[]; code: number; stderr: RegExp }

const argCases: ArgCase[] = [
  { title: 'pool name with / on the command line', args: ['pool-start', '../../etc/x'], code: 4, stderr: /^virt-mdev: pool name '\.\.\/\.\.\/etc\/x' is not valid/ },
  { title: 'start of an undefined pool', args: ['pool-start', 'nope'], code: 5, stderr: /^virt-mdev: no pool 'nope' is defined on host root \S+: see 'virt-mdev pool-list --all'/ },
  { title: 'info of an undefined pool', args: ['pool-info', 'nope'], code: 5, stderr: /^virt-mdev: no pool 'nope' is defined/ },
  { title: 'undefine while started', args: ['pool-undefine', 'running'], code: 1, stderr: /^virt-mdev: pool 'running' is active \(2 members exist\): run 'virt-mdev pool-destroy running' first$/ },
  { title: 'destroy of an inactive pool', args: ['pool-destroy', 'idle'], code: 1, stderr: /^virt-mdev: pool 'idle' is not active: nothing to destroy$/ },
  { title: 'resize to 0', args: ['pool-resize', 'running', '0'], code: 4, stderr: /^virt-mdev: size '0' is not a pool size/ },
  { title: 'resize to a word', args: ['pool-resize', 'running', 'ten'], code: 4, stderr: /^virt-mdev: size 'ten' is not a pool size/ },
  { title: 'resize beyond what fits now', args: ['pool-resize', 'running', '13'], code: 7, stderr: /^virt-mdev: pool 'running': pool 'running' asks for 13 members of mtty-2 but its parents can hold at most 12/ },
  { title: 'a bad --timeout', args: ['pool-destroy', 'running', '--timeout', 'soon'], code: 2, stderr: /^virt-mdev: --timeout 'soon' is not a number of seconds/ },
  { title: 'missing input file', args: ['pool-define', '/nonexistent/pool.xml'], code: 2, stderr: /^virt-mdev: cannot read '\/nonexistent\/pool\.xml': no such file$/ },
];

// One host for all cases, each checking that it stays unchanged; serial, so snapshots never overlap.
let shared: Host | undefined;
test.before(async () => {
  shared = await simHost('mtty', 'nvidia');
  await define(shared, 'running', 'mtty-2', 2);
  await define(shared, 'idle', 'nvidia-63', 2);
  const r = await shared.run(['pool-start', 'running']);
  if (r.exitCode !== 0) throw new Error(String(r.stderr));
});
test.after.always(() => shared?.cleanup());

async function refused(t: import('ava').ExecutionContext, args: string[], code: number, stderr: RegExp): Promise<void> {
  const h = shared!;
  const before = snapshotTree(h.dir);
  const r = await virtMdev(['--root', h.dir, ...args]);
  t.is(r.exitCode, code, String(r.stderr));
  const lines = String(r.stderr).split('\n').filter((l) => l !== '');
  t.is(lines.length, 1, String(r.stderr));
  t.regex(lines[0] ?? '', stderr);
  t.is(String(r.stdout), '');
  t.deepEqual(snapshotTree(h.dir), before);
}

for (const c of defineCases) {
  test.serial(`pool-define refuses: ${c}`, async (t) => {
    const exp = JSON.parse(fs.readFileSync(path.join(dataDir, c, 'expected.json'), 'utf8')) as Expected;
    await refused(t, ['pool-define', path.join(dataDir, c, 'pool.xml')], exp.code, new RegExp(exp.stderr));
  });
}

test.serial('pool-define refuses: a file larger than 64 KiB', async (t) => {
  const f = shared!.file('big.xml', `<mdevpool>${'<!-- padding -->'.repeat(5000)}</mdevpool>`);
  await refused(t, ['pool-define', f], 3, /^virt-mdev: \S+big\.xml: larger than 65536 bytes; a pool definition is a few hundred bytes/);
});

for (const c of argCases) {
  test.serial(`refused: ${c.title}`, async (t) => refused(t, c.args, c.code, c.stderr));
}

test.serial('defining a running pool again with the same settings changes nothing and succeeds', async (t) => {
  const h = shared!;
  const before = snapshotTree(h.dir);
  const r = await h.run(['pool-define', h.file('same.xml', poolXml('running', 'mtty-2', 2))]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(snapshotTree(h.dir), before);
});
