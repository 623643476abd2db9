// virt-mdev autostart and pools: after a (simulated) reboot, pools with an autostart link are filled
// again with the same members, after single definitions, waiting for late parents as definitions do;
// a pool its parents cannot hold keeps what fits and says what is missing (exit 7).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { poolConcerns, poolLate } from '../../src/autostart/pool-plan.js';
import { HostRoot } from '../../src/host/root.js';
import { readLedger } from '../../src/ledger/store.js';
import type { MdevParent } from '../../src/mdevbus/types.js';
import { offersOf, poolMemberUuid, type PoolDefinition } from '../../src/pools/index.js';
import { virtMdev } from '../helpers/cli.js';
import { autostart, autostartLive, dataDir, devices, hostWith, plug, reboot, sleep, stderrSays, unplug } from './helpers.js';

const A = 'a1a1a1a1-0000-4000-8000-000000000001'; // mtty-2 on mtty, auto (test/data/autostart/pool-vs-definition)

const lines = (s: unknown): string[] => String(s).split('\n').filter((l) => l !== '');
const members = (pool: string, n: number): string[] => Array.from({ length: n }, (_, k) => poolMemberUuid(pool, k));
const sorted = (xs: string[]): string[] => [...xs].sort();
const expected = (c: string): string => fs.readFileSync(path.join(dataDir(c), 'expected-stdout.txt'), 'utf8');

async function cli(dir: string, args: string[]): Promise<void> {
  const r = await virtMdev(['--root', dir, ...args]);
  if (r.exitCode !== 0) throw new Error(`${args.join(' ')}: ${String(r.stderr)}`);
}

function writePool(dir: string, name: string, type: string, size: number, parents: string[] = []): void {
  const xml = `<mdevpool>\n  <name>${name}</name>\n  <type id='${type}'/>\n${parents.map((p) => `  <parent>${p}</parent>\n`).join('')}  <size>${size}</size>\n</mdevpool>\n`;
  fs.mkdirSync(path.join(dir, 'etc/virt-mdev/pools'), { recursive: true });
  fs.writeFileSync(path.join(dir, `etc/virt-mdev/pools/${name}.xml`), xml);
}

interface PoolJson { kind: string; pool: string; state: string; members: number; created: Array<{ member: number; uuid: string }>; missing: Array<{ member: number; uuid: string; exitCode: number }> }

function poolResults(stdout: unknown): PoolJson[] {
  return (JSON.parse(String(stdout)) as { results: PoolJson[] }).results.filter((r) => r.kind === 'pool');
}

test('reboot: an autostart pool comes back with the same members, a pool without autostart does not', async (t) => {
  const h = await hostWith(['mtty', 'ap'], 'pools');
  t.teardown(h.cleanup);
  await cli(h.dir, ['pool-autostart', 'serial']);
  await cli(h.dir, ['pool-start', 'serial']);
  await cli(h.dir, ['pool-start', 'spare']);
  const before = devices(h.dir);
  t.deepEqual(sorted(before.map((d) => d.uuid)), sorted([...members('serial', 4), ...members('spare', 2)]));

  await reboot(h.dir);
  t.deepEqual(devices(h.dir), []);
  // a parent the pool cannot use: nothing of it is started
  const other = await autostart(h.dir, ['--parent', 'matrix']);
  t.is(other.exitCode, 0, String(other.stderr));
  t.is(String(other.stdout), 'nothing to start: no definition is marked auto and no pool is autostarted for parent matrix\n');
  t.deepEqual(devices(h.dir), []);

  const r = await autostart(h.dir);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stdout), expected('pools'));
  const after = devices(h.dir);
  t.deepEqual(sorted(after.map((d) => d.uuid)), sorted(members('serial', 4)));
  t.deepEqual(after, before.filter((d) => d.type === 'mtty-2'), 'same UUIDs, parent and type as before the reboot');
  // recorded as free members of a started pool; spare stays inactive
  const ledger = readLedger(new HostRoot(h.dir)).devices;
  t.deepEqual(sorted(ledger.map((e) => `${e.pool}/${e.member}/${e.uuid}/${e.state}`)),
    sorted(members('serial', 4).map((u, k) => `serial/${k}/${u}/active`)));

  // a second run finds the pool complete and creates nothing
  const again = await autostart(h.dir, ['--json']);
  t.is(again.exitCode, 0);
  t.like(poolResults(again.stdout), [{ pool: 'serial', state: 'already-active', members: 4, created: [], missing: [] }]);
});

test('definitions are started before pools: a definition and a pool competing for the last instances, the definition wins', async (t) => {
  const h = await hostWith(['mtty'], 'pool-vs-definition');
  t.teardown(h.cleanup);
  await cli(h.dir, ['pool-autostart', 'ports']);
  // before the reboot the pool holds all 24 ports and the definition cannot start
  await cli(h.dir, ['pool-start', 'ports']);
  t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted(members('ports', 12)));
  await reboot(h.dir);

  const r = await autostart(h.dir, ['--wait', '30']);
  t.is(r.exitCode, 7, String(r.stderr));
  t.is(String(r.stdout), expected('pool-vs-definition'));
  t.regex(String(r.stderr), /virt-mdev: 0 of 1 device\(s\) not started, 1 of 1 pool\(s\) incomplete \(exit 7\)/);
  t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted([A, ...members('ports', 11)]));

  const j = await autostart(h.dir, ['--json']);
  t.is(j.exitCode, 7);
  const [ports] = poolResults(j.stdout);
  t.like(ports, { pool: 'ports', state: 'incomplete', members: 11 });
  t.deepEqual(ports!.missing.map((m) => [m.member, m.uuid, m.exitCode]), [[11, poolMemberUuid('ports', 11), 7]]);
});

test('a pool whose parent registers 5 s late is waited for, with the lock free meanwhile', async (t) => {
  const h = await hostWith(['mtty'], 'pools');
  t.teardown(h.cleanup);
  await cli(h.dir, ['pool-autostart', 'serial']);
  await unplug(h.dir, 'mtty');
  await reboot(h.dir);
  const run = autostartLive(h.dir, ['--wait', '30']);
  await stderrSays(run, 'waiting up to 30 s for parent mtty_mtty to register (pool serial)');
  const t0 = Date.now();
  // the ledger lock is free while autostart waits: a command that takes it gets through meanwhile
  await cli(h.dir, ['pool-autostart', 'spare', '--disable']);
  t.is(run.exitCode, null);
  await sleep(Math.max(0, 5000 - (Date.now() - t0)));
  await plug(h.dir, 'mtty');
  const r = await run;
  t.is(r.exitCode, 0, String(r.stderr));
  const m = /^pool serial: 4 of 4 members, waited (\d+\.\d) s for parent mtty_mtty$/.exec(String(r.stdout).trim());
  t.truthy(m, String(r.stdout));
  t.true(Number(m![1]) >= 4.5 && Number(m![1]) < 29, m![1]);
  t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted(members('serial', 4)));
});

test('a pool naming no parent waits for a type no parent offers yet; a parent that never comes is exit 5', async (t) => {
  const h = await hostWith(['mtty'], 'pools');
  t.teardown(h.cleanup);
  await cli(h.dir, ['pool-autostart', 'spare']);
  await unplug(h.dir, 'mtty');
  let r = await autostart(h.dir, ['--wait', '1']);
  t.is(r.exitCode, 5, String(r.stderr));
  t.is(String(r.stdout), `pool spare: 0 of 2 members, 2 missing: no parent offered type mtty-1 within 1 s: is the vendor's daemon running, or is the type wrong in ${path.join(h.dir, 'etc/virt-mdev/pools/spare.xml')}?\n`);
  // while autostart waits, the parent registers, and its types come 3 s later (a vendor daemon that is slow to start)
  const run = autostartLive(h.dir, ['--wait', '30']);
  await stderrSays(run, 'waiting up to 30 s for a parent to offer mtty-1 (pool spare)');
  await plug(h.dir, 'mtty', 3);
  r = await run;
  t.is(r.exitCode, 0, String(r.stderr));
  t.regex(String(r.stdout), /^pool spare: 2 of 2 members, waited \d+\.\d s for a parent offering mtty-1\n$/);
  // autostart --parent: the pool concerns mtty once mtty offers its type
  await reboot(h.dir);
  r = await autostart(h.dir, ['--parent', 'mtty']);
  t.is(String(r.stdout), 'pool spare: 2 of 2 members\n');
});

test('a pool larger than what fits: what fits is started, exit 7, one line naming the shortfall, no waiting', async (t) => {
  const h = await hostWith(['mtty']);
  t.teardown(h.cleanup);
  // 16 + 12 ports wanted from 24: alpha is started first (by name), beta gets what is left
  writePool(h.dir, 'alpha', 'mtty-2', 8);
  writePool(h.dir, 'beta', 'mtty-1', 12, ['mtty']);
  writePool(h.dir, 'gamma', 'mtty-1', 4); // no autostart link: not touched
  for (const p of ['alpha', 'beta']) await cli(h.dir, ['pool-autostart', p]);
  const t0 = Date.now();
  const r = await autostart(h.dir, ['--wait', '30']);
  // a shortfall of capacity is not waited for
  t.notRegex(String(r.stderr), /waiting/);
  t.true(Date.now() - t0 < 29_000);
  t.is(r.exitCode, 7, String(r.stderr));
  t.deepEqual(lines(r.stdout), [
    'pool alpha: 8 of 8 members',
    'pool beta: 8 of 12 members, 4 missing: no capacity left for mtty-1 (mtty_mtty: 0 mtty-1 left (8 present))',
  ]);
  t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted([...members('alpha', 8), ...members('beta', 8)]));
  const j = await autostart(h.dir, ['--json']);
  const beta = poolResults(j.stdout).find((p) => p.pool === 'beta')!;
  t.like(beta, { state: 'incomplete', members: 8 });
  t.deepEqual(beta.missing.map((m) => m.uuid), members('beta', 12).slice(8));
  t.true(beta.missing.every((m) => m.exitCode === 7));
});

test('an autostart link to a pool file that cannot be read is named; the other pools start', async (t) => {
  const h = await hostWith(['mtty'], 'pools');
  t.teardown(h.cleanup);
  await cli(h.dir, ['pool-autostart', 'serial']);
  await cli(h.dir, ['pool-autostart', 'spare']);
  const spare = path.join(h.dir, 'etc/virt-mdev/pools/spare.xml');
  fs.writeFileSync(spare, '<mdevpool><name>spare</name><type id="mtty-1"/>');
  // a link left behind by hand: said, not fatal
  fs.symlinkSync('../gone.xml', path.join(h.dir, 'etc/virt-mdev/pools/autostart/gone.xml'));
  const r = await autostart(h.dir);
  t.is(r.exitCode, 3, String(r.stderr));
  const out = lines(r.stdout);
  t.is(out.length, 3, String(r.stdout));
  t.regex(out[0]!, /^pool gone: skipped: .*autostart\/gone\.xml marks pool 'gone' for autostart, but .*gone\.xml does not exist: remove the link or define the pool$/);
  t.true(out[1]!.startsWith(`pool spare: failed: ${spare}`), out[1]);
  t.is(out[2], 'pool serial: 4 of 4 members');
  t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted(members('serial', 4)));
});

test('two autostart processes at once create each member once', async (t) => {
  const h = await hostWith(['mtty'], 'pools');
  t.teardown(h.cleanup);
  writePool(h.dir, 'duals', 'mtty-2', 6);
  for (const p of ['serial', 'spare', 'duals']) await cli(h.dir, ['pool-autostart', p]);
  const all = [...members('serial', 4), ...members('spare', 2), ...members('duals', 6)];
  for (let round = 0; round < 2; round++) {
    await reboot(h.dir);
    const [x, y] = await Promise.all([autostart(h.dir, ['--json']), autostart(h.dir, ['--json', '--parent', 'mtty'])]);
    t.is(x.exitCode, 0, String(x.stderr));
    t.is(y.exitCode, 0, String(y.stderr));
    const created = [...poolResults(x.stdout), ...poolResults(y.stdout)].flatMap((p) => p.created.map((c) => c.uuid));
    t.deepEqual(sorted(created), sorted(all), 'every member created by exactly one of the two');
    t.deepEqual(sorted(devices(h.dir).map((d) => d.uuid)), sorted(all));
    const ledger = readLedger(new HostRoot(h.dir)).devices;
    t.deepEqual(sorted(ledger.map((e) => e.uuid)), sorted(all));
    t.true(ledger.every((e) => e.state === 'active' && e.uuid === poolMemberUuid(e.pool!, e.member!)));
  }
});

const gpu = (name: string, types: string[]): MdevParent => ({
  name, sysfsPath: `/sys/devices/pci0000:40/${name}`, subsystem: 'pci',
  types: types.map((id) => ({ id, parent: name, deviceApi: 'vfio-pci', availableInstances: 4, devices: [] })),
});
const pool = (parents: string[]): PoolDefinition => ({ name: 'vdi', type: 'nvidia-63', parents, size: 8 });

test('--parent: which pools a parent concerns, and when that cannot be told yet', (t) => {
  const up = [gpu('0000:41:00.0', ['nvidia-63']), gpu('0000:42:00.0', ['nvidia-64'])];
  // a named parent in either spelling, registered or not
  t.true(poolConcerns(pool(['pci_0000_41_00_0']), ['0000:41:00.0'], up));
  t.true(poolConcerns(pool(['0000:43:00.0']), ['0000:43:00.0'], up));
  t.true(poolConcerns(pool(['pci_0000_43_00_0']), ['0000:43:00.0'], up));
  t.false(poolConcerns(pool(['pci_0000_41_00_0']), ['0000:42:00.0'], up));
  t.true(poolConcerns(pool(['0000:42:00.0']), undefined, up));
  // no parent named: a parent offering the type; one offering other types does not; one without types yet: wait
  t.true(poolConcerns(pool([]), ['0000:41:00.0'], up));
  t.false(poolConcerns(pool([]), ['0000:42:00.0'], up));
  t.deepEqual(poolConcerns(pool([]), ['0000:43:00.0'], [...up, gpu('0000:43:00.0', [])]), { for: 'type', parent: '0000:43:00.0' });
  t.deepEqual(poolConcerns(pool([]), ['0000:43:00.0'], up), { for: 'parent', parent: '0000:43:00.0' });
});

test('an incomplete pool waits only for what could still come: a parent, or its type', (t) => {
  const a = gpu('0000:41:00.0', ['nvidia-63']);
  const b = gpu('0000:42:00.0', []);
  t.deepEqual(poolLate(pool(['0000:41:00.0', 'pci_0000_44_00_0']), { offers: offersOf([a], 'nvidia-63'), absent: ['pci_0000_44_00_0'] }), { for: 'parent', parent: 'pci_0000_44_00_0' });
  t.deepEqual(poolLate(pool(['0000:41:00.0', '0000:42:00.0']), { offers: offersOf([a, b], 'nvidia-63'), absent: [] }), { for: 'type', parent: '0000:42:00.0' });
  t.deepEqual(poolLate(pool([]), { offers: [], absent: [] }), { for: 'type' });
  // every parent there with the type: what is missing is capacity, and waiting would not bring it
  t.is(poolLate(pool([]), { offers: offersOf([a], 'nvidia-63'), absent: [] }), undefined);
  t.is(poolLate(pool(['0000:41:00.0']), { offers: offersOf([a], 'nvidia-63'), absent: [] }), undefined);
});
