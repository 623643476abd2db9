// Pools from definition to nothing again, on the simulated mtty and nvidia hosts: the members exist
// with their fixed UUIDs and the pool's type on the parents the planner chose, the ledger records
// them as free members, and destroy/undefine leave nothing behind.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { poolMemberUuid } from '../../src/pools/types.js';
import { repoRoot, snapshotTree } from '../helpers/cli.js';
import { mdevXml } from '../nodedev/helpers.js';
import { define, devices, listJson, poolLedger, poolXml, simHost } from './helpers.js';

const members = (pool: string, ks: number[]): string[] => ks.map((k) => poolMemberUuid(pool, k)).sort();
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

test('mtty: define, list --all, start, members, list, dumpxml, destroy, undefine', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const before = snapshotTree(h.dir);
  const file = h.file('serial.xml', `<!-- four dual-port serials -->\n<mdevpool><size> 4 </size><type id='mtty-2'/><name>serial</name></mdevpool>`);
  const d = await h.run(['pool-define', file]);
  t.is(d.exitCode, 0, String(d.stderr));
  t.is(String(d.stdout), `Pool serial defined from ${file}\n`);
  t.is(String((await h.run(['pool-list'])).stdout), ' Name   State   Autostart   Type   Size   Free   Lent\n-------------------------------------------------------\n\n');
  t.is(String((await h.run(['pool-list', '--all'])).stdout),
    ' Name     State      Autostart   Type     Size   Free   Lent\n' +
    `${'-'.repeat(62)}\n` +
    ' serial   inactive   no          mtty-2   4      -      -\n\n');
  // stored normalised, whatever the order and spacing of the input
  t.is(String((await h.run(['pool-dumpxml', 'serial'])).stdout), poolXml('serial', 'mtty-2', 4));
  t.is(fs.readFileSync(path.join(h.dir, 'etc/virt-mdev/pools/serial.xml'), 'utf8'), poolXml('serial', 'mtty-2', 4));

  const s = await h.run(['pool-start', 'serial']);
  t.is(s.exitCode, 0, String(s.stderr));
  t.is(String(s.stdout), 'Pool serial started: 4 of 4 members (4 created)\n');
  const devs = devices(h);
  t.deepEqual(devs.map((x) => x.uuid).sort(), members('serial', range(0, 4)));
  t.true(devs.every((x) => x.typeId === 'mtty-2' && x.parent === 'mtty'));
  t.deepEqual(poolLedger(h, 'serial').map((e) => [e.member, e.uuid, e.parent, e.type, e.state, e.origin, e.domain]),
    range(0, 4).map((k) => [k, poolMemberUuid('serial', k), 'mtty', 'mtty-2', 'active', 'created', undefined]));
  t.like((await listJson(h))[0], { name: 'serial', state: 'active', autostart: false, type: 'mtty-2', size: 4, free: 4, lent: 0, missing: 0 });
  const again = await h.run(['pool-start', 'serial']);
  t.is(again.exitCode, 1);
  t.is(String(again.stderr), "virt-mdev: pool 'serial' is already active (4 of 4 members exist)\n");

  const x = await h.run(['pool-destroy', 'serial']);
  t.is(x.exitCode, 0, String(x.stderr));
  t.is(String(x.stdout), 'Pool serial destroyed\n');
  t.deepEqual(devices(h), []);
  t.deepEqual(poolLedger(h, 'serial'), []);
  t.like((await listJson(h, '--all'))[0], { name: 'serial', state: 'inactive' });
  const u = await h.run(['pool-undefine', 'serial']);
  t.is(String(u.stdout), 'Pool serial has been undefined\n');
  t.deepEqual(await listJson(h, '--all'), []);
  // nothing left but the (empty) directories and the ledger virt-mdev keeps
  const after = snapshotTree(h.dir);
  const added = Object.keys(after).filter((k) => !(k in before));
  t.deepEqual(added.sort(), ['etc', 'etc/virt-mdev', 'etc/virt-mdev/pools', 'run', 'run/virt-mdev', 'run/virt-mdev/ledger.json']);
  t.is(after['etc/virt-mdev/pools'], 'dir');
  t.deepEqual(JSON.parse(after['run/virt-mdev/ledger.json']!), { version: 1, devices: [] });
});

test('nvidia: the sample pool is packed onto one GPU; a pool of another type goes to the other GPU, a third type fits nowhere', async (t) => {
  const h = await simHost('nvidia');
  t.teardown(h.cleanup);
  const sample = path.join(repoRoot, 'samples/pools/vdi-nvidia-two-gpus.xml');
  t.is((await h.run(['pool-define', sample])).exitCode, 0);
  t.is((await h.run(['pool-start', 'vdi'])).exitCode, 0);
  const vdi = devices(h);
  t.deepEqual(vdi.map((d) => d.uuid).sort(), members('vdi', range(0, 8)));
  t.true(vdi.every((d) => d.typeId === 'nvidia-63' && d.parent === '0000:41:00.0'), JSON.stringify(vdi));

  // one type per GPU: 0000:41:00.0 now offers nvidia-64 no more, so a pool over every parent lands on the other
  await define(h, 'cad', 'nvidia-64', 12);
  const c = await h.run(['pool-start', 'cad']);
  t.is(c.exitCode, 0, String(c.stderr));
  const cad = devices(h).filter((d) => d.typeId === 'nvidia-64');
  t.deepEqual(cad.map((d) => d.uuid).sort(), members('cad', range(0, 12)));
  t.true(cad.every((d) => d.parent === '0000:42:00.0'));

  // both GPUs are taken by other types: a nvidia-65 pool could never be held
  const r = await h.run(['pool-define', h.file('ai.xml', poolXml('ai', 'nvidia-65', 1))]);
  t.is(r.exitCode, 7);
  t.regex(String(r.stderr), /^virt-mdev: \S+ai\.xml: pool 'ai' asks for 1 members of nvidia-65 but its parents can hold at most 0 \(pci_0000_41_00_0: 0 nvidia-65 left, pci_0000_42_00_0: 0 nvidia-65 left\)/);

  t.deepEqual((await listJson(h)).map((p) => [p.name, p.free]), [['cad', 12], ['vdi', 8]]);
  t.is((await h.run(['pool-destroy', 'vdi'])).exitCode, 0);
  t.is((await h.run(['pool-destroy', 'cad'])).exitCode, 0);
  t.deepEqual(devices(h), []);
});

test('nvidia: a pool larger than one GPU fills the first, then the second', async (t) => {
  const h = await simHost('nvidia');
  t.teardown(h.cleanup);
  await define(h, 'big', 'nvidia-63', 30, ['0000:42:00.0', 'pci_0000_41_00_0']);
  t.is((await h.run(['pool-start', 'big'])).exitCode, 0);
  const byParent = (p: string) => poolLedger(h, 'big').filter((e) => e.parent === p).map((e) => e.member);
  t.deepEqual(byParent('0000:41:00.0'), range(0, 24));
  t.deepEqual(byParent('0000:42:00.0'), range(24, 30));
});

test('autostart: the link next to the definition, removed by --disable and by undefine', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'serial', 'mtty-1', 2);
  const link = path.join(h.dir, 'etc/virt-mdev/pools/autostart/serial.xml');
  t.is(String((await h.run(['pool-autostart', 'serial'])).stdout), 'Pool serial marked as autostarted\n');
  t.is(fs.readlinkSync(link), '../serial.xml');
  t.is(fs.readFileSync(link, 'utf8'), poolXml('serial', 'mtty-1', 2));
  t.true((await listJson(h, '--all'))[0]!.autostart);
  t.is((await h.run(['pool-autostart', 'serial'])).exitCode, 0, 'marking twice is fine');
  t.is(String((await h.run(['pool-autostart', 'serial', '--disable'])).stdout), 'Pool serial unmarked as autostarted\n');
  t.false(fs.existsSync(link));
  await h.run(['pool-autostart', 'serial']);
  t.is((await h.run(['pool-undefine', 'serial'])).exitCode, 0);
  t.false(fs.existsSync(link));
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'etc/virt-mdev/pools/autostart')), []);
  const r = await h.run(['pool-autostart', 'serial']);
  t.is(r.exitCode, 5);
  t.regex(String(r.stderr), /^virt-mdev: no pool 'serial' is defined/);
});

test('resize: grow creates the next members, shrink removes the highest ones; an inactive pool only changes its size', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'p', 'mtty-2', 4);
  t.is((await h.run(['pool-start', 'p'])).exitCode, 0);
  const up = await h.run(['pool-resize', 'p', '6']);
  t.is(up.exitCode, 0, String(up.stderr));
  t.is(String(up.stdout), 'Pool p resized from 4 to 6 members\n');
  t.deepEqual(devices(h).map((d) => d.uuid).sort(), members('p', range(0, 6)));
  const down = await h.run(['pool-resize', 'p', '2']);
  t.is(down.exitCode, 0, String(down.stderr));
  t.deepEqual(devices(h).map((d) => d.uuid).sort(), members('p', [0, 1]));
  t.deepEqual(poolLedger(h, 'p').map((e) => e.member), [0, 1]);
  t.regex(String((await h.run(['pool-dumpxml', 'p'])).stdout), /<size>2<\/size>/);
  t.is(String((await h.run(['pool-resize', 'p', '2'])).stdout), 'Pool p already has size 2\n');

  // beyond what fits now: refused, nothing changed (12 mtty-2 at most, 2 used by the pool)
  const before = snapshotTree(h.dir);
  const big = await h.run(['pool-resize', 'p', '13']);
  t.is(big.exitCode, 7);
  t.regex(String(big.stderr), /^virt-mdev: pool 'p': pool 'p' asks for 13 members of mtty-2 but its parents can hold at most 12/);
  t.deepEqual(snapshotTree(h.dir), before);

  t.is((await h.run(['pool-destroy', 'p'])).exitCode, 0);
  t.is((await h.run(['pool-resize', 'p', '9'])).exitCode, 0);
  t.deepEqual(devices(h), []);
  t.regex(String((await h.run(['pool-dumpxml', 'p'])).stdout), /<size>9<\/size>/);
});

test('start takes a device that already has a member UUID and the type, reports one of another type, creates the rest', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'p', 'mtty-2', 4);
  // made by another tool (mdevctl, raw sysfs): virt-mdev's own nodedev-create refuses a member's UUID
  const mk = async (type: string, k: number): Promise<void> => {
    await openMdevBus(new HostRoot(h.dir)).create('mtty', type, poolMemberUuid('p', k));
  };
  await mk('mtty-2', 1);
  await mk('mtty-1', 3);
  const r = await h.run(['pool-start', 'p']);
  t.is(r.exitCode, 6, String(r.stderr));
  t.is(String(r.stdout), 'Pool p started: 3 of 4 members (2 created, 1 already there)\n');
  t.is(String(r.stderr).split('\n').filter(Boolean).length, 1);
  t.regex(String(r.stderr), new RegExp(`^virt-mdev: pool 'p': 1 of 4 members could not be created \\(member 3\\): member 3's UUID ${poolMemberUuid('p', 3)} is in use by a mtty-1 on mtty`));
  t.deepEqual(poolLedger(h, 'p').map((e) => [e.member, e.origin, e.state]), [[0, 'created', 'active'], [1, 'created', 'active'], [2, 'created', 'active']]);
  const info = String((await h.run(['pool-info', 'p'])).stdout);
  t.regex(info, /^Missing: +1 \(member 3\)$/m);
  t.regex(info, /^Free: +3$/m);
});

test('start on too little capacity creates what fits, exits 7 naming what is missing; a later start completes it', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'p', 'mtty-2', 12);
  const other = await h.run(['nodedev-create', h.file('one.xml', mdevXml('mtty', 'mtty-1'))]);
  const r = await h.run(['pool-start', 'p']);
  t.is(r.exitCode, 7);
  t.is(String(r.stdout), 'Pool p started: 11 of 12 members (11 created)\n');
  t.is(String(r.stderr), "virt-mdev: pool 'p': 1 of 12 members could not be created (member 11): no capacity left for mtty-2 (mtty_mtty: 0 mtty-2 left (11 present)); the members that were created stay; run 'virt-mdev pool-start p' again once that is fixed\n");
  t.is(poolLedger(h, 'p').length, 11);
  const name = /^Node device (\S+) created/.exec(String(other.stdout))![1]!;
  t.is((await h.run(['nodedev-destroy', name])).exitCode, 0);
  const again = await h.run(['pool-start', 'p']);
  t.is(again.exitCode, 0, String(again.stderr));
  t.is(String(again.stdout), 'Pool p started: 12 of 12 members (1 created, 11 present before)\n');
  t.deepEqual(devices(h).map((d) => d.uuid).sort(), members('p', range(0, 12)));
});

test('every sample in samples/pools defines and starts on a host with the profiles they name', async (t) => {
  const h = await simHost('mtty', 'gvt-g', 'nvidia');
  t.teardown(h.cleanup);
  const dir = path.join(repoRoot, 'samples/pools');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
  t.true(files.length >= 3);
  for (const f of files) {
    const d = await h.run(['--json', 'pool-define', path.join(dir, f)]);
    t.is(d.exitCode, 0, `${f}: ${String(d.stderr)}`);
    const name = (JSON.parse(String(d.stdout)) as { name: string }).name;
    const s = await h.run(['pool-start', name]);
    t.is(s.exitCode, 0, `${f}: ${String(s.stderr)}`);
  }
  t.true((await listJson(h)).every((p) => p.free === p.size));
});

test('pool-list names a damaged definition file on stderr, lists the others and exits 1', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'good', 'mtty-1', 1);
  const dir = path.join(h.dir, 'etc/virt-mdev/pools');
  fs.writeFileSync(path.join(dir, 'broken.xml'), '<mdevpool><name>broken</name>');
  fs.writeFileSync(path.join(dir, 'other.xml'), poolXml('renamed', 'mtty-1', 1));
  const r = await h.run(['pool-list', '--all']);
  t.is(r.exitCode, 1);
  t.regex(String(r.stdout), /^ good +inactive/m);
  const lines = String(r.stderr).split('\n').filter(Boolean);
  t.is(lines.length, 2);
  t.regex(lines[0]!, /^virt-mdev: \S+\/etc\/virt-mdev\/pools\/broken\.xml:1:\d+: malformed XML/);
  t.regex(lines[1]!, /^virt-mdev: \S+\/etc\/virt-mdev\/pools\/other\.xml: <name>renamed<\/name> does not match the file name/);
  // a damaged definition of an inactive pool can be replaced
  t.is((await h.run(['pool-define', h.file('broken.xml', poolXml('broken', 'mtty-1', 1))])).exitCode, 0);
});
