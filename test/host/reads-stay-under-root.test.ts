// Every read under a host root stays under it, as every write does: a type directory, a sysfs
// attribute, the ledger, a pool or mdevctl definition linked out of the root is never read (one line
// naming it, none of its bytes), and a FIFO where a file belongs blocks nothing.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/util/errors.js';
import { binPath, snapshotTree, tempDir } from '../helpers/cli.js';
import { simHost, type Host } from '../nodedev/helpers.js';
import { define } from '../pools/helpers.js';

const SECRET = 'secret-passphrase-0123';
const MTTY_TYPES = 'sys/devices/virtual/mtty/mtty/mdev_supported_types';

/** A host plus a directory outside it holding SECRET. */
async function hostAndOutside(t: import('ava').ExecutionContext, ...profiles: string[]): Promise<{ h: Host; outside: string }> {
  const h = await simHost(...(profiles.length ? profiles : ['mtty']));
  t.teardown(h.cleanup);
  const o = tempDir('virt-mdev-outside-');
  t.teardown(o.cleanup);
  fs.writeFileSync(path.join(o.dir, 'secret'), `${SECRET}\n`);
  return { h, outside: o.dir };
}

/** The command fails with HOST in one line naming `named`, shows nothing of SECRET and changes nothing. */
async function refusedUnderRoot(t: import('ava').ExecutionContext, h: Host, args: string[], named: string, snapshot = true): Promise<void> {
  const before = snapshot ? snapshotTree(h.dir) : undefined;
  const r = await execa(process.execPath, [binPath, '--root', h.dir, ...args], { reject: false, timeout: 30_000 });
  t.false(r.timedOut, `${args.join(' ')} hung`);
  t.is(r.exitCode, ExitCode.HOST, `${args.join(' ')}: ${String(r.stderr)}`);
  const lines = String(r.stderr).trimEnd().split('\n');
  t.is(lines.length, 1, String(r.stderr));
  t.true(lines[0]!.includes(named), lines[0]);
  t.false(`${String(r.stdout)}${String(r.stderr)}`.includes(SECRET), 'nothing of the outside file is shown');
  if (before) t.deepEqual(snapshotTree(h.dir), before);
}

test('a type directory linked out of the root is not read: nodedev-dumpxml and nodedev-list refuse, naming the link', async (t) => {
  const { h, outside } = await hostAndOutside(t);
  const typeDir = path.join(h.dir, MTTY_TYPES, 'mtty-2');
  const elsewhere = path.join(outside, 'mtty-2');
  fs.cpSync(typeDir, elsewhere, { recursive: true });
  fs.writeFileSync(path.join(elsewhere, 'name'), `${SECRET}\n`);
  fs.rmSync(typeDir, { recursive: true });
  fs.symlinkSync(elsewhere, typeDir);
  for (const args of [['nodedev-dumpxml', 'mtty_mtty'], ['nodedev-list', '--cap', 'mdev_types']]) {
    await refusedUnderRoot(t, h, args, `mdev type directory '${typeDir}' resolves to '${fs.realpathSync(elsewhere)}', outside the host root`);
  }
});

test('a type attribute or a PCI parent\'s sysfs file linked out of the root is not read', async (t) => {
  const { h, outside } = await hostAndOutside(t, 'mtty', 'gvt-g');
  const name = path.join(h.dir, MTTY_TYPES, 'mtty-1/name');
  fs.rmSync(name);
  fs.symlinkSync(path.join(outside, 'secret'), name);
  await refusedUnderRoot(t, h, ['nodedev-dumpxml', 'mtty_mtty'], `sysfs attribute '${name}'`);
  fs.rmSync(name);
  fs.writeFileSync(name, 'mtty-1 name\n');
  const vendor = path.join(h.dir, 'sys/devices/pci0000:00/0000:00:02.0/vendor');
  fs.rmSync(vendor);
  fs.symlinkSync(path.join(outside, 'secret'), vendor);
  await refusedUnderRoot(t, h, ['nodedev-dumpxml', 'pci_0000_00_02_0'], `sysfs attribute '${vendor}'`);
});

test('a ledger.json that is a link (anywhere) is refused without a byte of what it points to', async (t) => {
  const { h, outside } = await hostAndOutside(t);
  const file = path.join(h.dir, 'run/virt-mdev/ledger.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(path.join(outside, 'secret'), file);
  await refusedUnderRoot(t, h, ['ledger'], `ledger ${file} is unreadable (a symbolic link, not the regular file virt-mdev writes)`);
  // a file that is no JSON: its bytes are not quoted either
  fs.rmSync(file);
  fs.writeFileSync(file, `${SECRET}\n`);
  await refusedUnderRoot(t, h, ['ledger'], `ledger ${file} is unreadable (not valid JSON)`);
});

test('a FIFO as ledger.json or pool definition is refused at once, never waited on', async (t) => {
  const { h } = await hostAndOutside(t);
  const ledger = path.join(h.dir, 'run/virt-mdev/ledger.json');
  fs.mkdirSync(path.dirname(ledger), { recursive: true });
  await execa('mkfifo', [ledger]);
  await refusedUnderRoot(t, h, ['ledger'], `ledger ${ledger} is unreadable (not a regular file)`, false);
  fs.rmSync(ledger);
  const pool = path.join(h.dir, 'etc/virt-mdev/pools/p.xml');
  fs.mkdirSync(path.dirname(pool), { recursive: true });
  await execa('mkfifo', [pool]);
  await refusedUnderRoot(t, h, ['pool-info', 'p'], `${pool}: not a regular file`, false);
});

test('a pool definition linked out of the root is not read', async (t) => {
  const { h, outside } = await hostAndOutside(t);
  await define(h, 'p', 'mtty-2', 1);
  const pool = path.join(h.dir, 'etc/virt-mdev/pools/p.xml');
  fs.renameSync(pool, path.join(outside, 'p.xml'));
  fs.symlinkSync(path.join(outside, 'p.xml'), pool);
  await refusedUnderRoot(t, h, ['pool-info', 'p'], `pool definition '${pool}' resolves to`);
  // a link that stays inside the root is followed
  fs.rmSync(pool);
  fs.copyFileSync(path.join(outside, 'p.xml'), path.join(h.dir, 'etc/virt-mdev/p-real.xml'));
  fs.symlinkSync('../p-real.xml', pool);
  const r = await h.run(['pool-info', 'p']);
  t.is(r.exitCode, 0, String(r.stderr));
});

test('mdevctl definitions that are links or FIFOs are named as broken, never read or waited on; the others are listed', async (t) => {
  const { h, outside } = await hostAndOutside(t);
  const dir = path.join(h.dir, 'etc/mdevctl.d/mtty');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '11111111-2222-4333-8444-555555555555'), JSON.stringify({ mdev_type: 'mtty-1', start: 'manual', attrs: [] }, null, 2));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, '22222222-2222-4333-8444-555555555555'));
  await execa('mkfifo', [path.join(dir, '33333333-2222-4333-8444-555555555555')]);
  const r = await execa(process.execPath, [binPath, '--root', h.dir, 'nodedev-list', '--all'], { reject: false, timeout: 30_000 });
  t.false(r.timedOut);
  t.is(r.exitCode, 0, String(r.stderr));
  t.regex(String(r.stdout), /mdev_11111111_2222_4333_8444_555555555555_mtty/);
  t.regex(String(r.stderr), /22222222-2222-4333-8444-555555555555.*not a regular file/);
  t.regex(String(r.stderr), /33333333-2222-4333-8444-555555555555.*not a regular file/);
  t.false(String(r.stderr).includes(SECRET));
});
