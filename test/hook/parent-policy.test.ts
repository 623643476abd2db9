// The parent policy as a table: one host set-up per row, every path that places a device on it, and the
// parent each path chooses (or its refusal). A single device (hook prepare, `check`) goes where the domain
// names, else where most instances of the type are left, ties by name. A pool's members (pool-start,
// autostart, gc refilling) pack: parents that already hold the type first, then most left, ties by name.
// Both skip a GPU that shows 0 left for the type (NVIDIA: a GPU already locked to another type).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { cli, createByHand, domainXml, hook, ledger, simHost, uuid } from './helpers.js';
import { poolInfo } from './pool-helpers.js';

const A = '0000:41:00.0';
const B = '0000:42:00.0';

interface Setup {
  /** devices made by hand before the path runs */
  byHand: Array<{ parent: string; type: string }>;
  type: string;
  /** parent named by the domain or the pool definition */
  parent?: string;
  /** the parent a single device goes on, or its refusal (for `check`: exit 7 and the hook's line) */
  single: string;
  /** the parent a pool's first member goes on, or the refusal; gc refilling a pool started before the
   * set-up leaves the member missing ('none') where pool-define refuses */
  pool: string;
}

const setups: Record<string, Setup> = {
  'two idle GPUs: tie broken by name': { byHand: [], type: 'nvidia-63', single: A, pool: A },
  'A holds one of the type: a device goes where most are left, a pool packs onto A': {
    byHand: [{ parent: A, type: 'nvidia-63' }], type: 'nvidia-63', single: B, pool: A,
  },
  'A locked to another type (one type per GPU): B on every path': {
    byHand: [{ parent: A, type: 'nvidia-64' }], type: 'nvidia-63', single: B, pool: B,
  },
  'named parent B though A has more left: B': {
    byHand: [{ parent: B, type: 'nvidia-63' }], type: 'nvidia-63', parent: B, single: B, pool: B,
  },
  'named parent locked to another type: refused, never placed elsewhere': {
    byHand: [{ parent: A, type: 'nvidia-64' }], type: 'nvidia-63', parent: A, single: 'refused: no capacity on the named parent', pool: 'pool-define: exit 7',
  },
};

async function prepared(dir: string, s: Setup): Promise<void> {
  for (const d of s.byHand) await createByHand(dir, d.parent, d.type, uuid());
}

function poolFile(dir: string, s: Setup): string {
  const file = path.join(dir, 'p.pool.xml');
  fs.writeFileSync(file, `<mdevpool>\n  <name>p</name>\n  <type id='${s.type}'/>\n${s.parent ? `  <parent>${s.parent}</parent>\n` : ''}  <size>1</size>\n</mdevpool>\n`);
  return file;
}

async function memberParent(dir: string): Promise<string> {
  const info = await poolInfo(dir, 'p');
  return info.members[0]?.parent ?? 'none';
}

/** runs each command; the first refusal as 'COMMAND: exit N', else undefined */
async function run(dir: string, cmds: string[][]): Promise<string | undefined> {
  for (const c of cmds) {
    const r = await cli(dir, c);
    if (r.exitCode !== 0) return `${c[0]}: exit ${String(r.exitCode)}`;
  }
  return undefined;
}

function refusal(stderr: string): string {
  return /no capacity: parent 0000:41:00.0 has no nvidia-63 instance left/.test(stderr) ? 'refused: no capacity on the named parent' : stderr;
}

type Path = 'hook prepare' | 'check' | 'pool-start' | 'autostart' | 'gc refill';

/** Each path on the set-up host: the parent it chose, or the exit code of its refusal. */
const paths: Record<Path, (dir: string, s: Setup) => Promise<string>> = {
  'hook prepare': async (dir, s) => {
    const dev = uuid();
    const r = await hook(dir, 'vm', 'prepare', 'begin', domainXml('vm', uuid(), [{ uuid: dev, type: s.type, parent: s.parent }]));
    if (r.exitCode !== 0) return refusal(String(r.stderr));
    return ledger(dir).find((e) => e.uuid === dev)?.parent ?? 'no ledger entry';
  },
  check: async (dir, s) => {
    const file = path.join(dir, 'vm.xml');
    fs.writeFileSync(file, domainXml('vm', uuid(), [{ uuid: uuid(), type: s.type, parent: s.parent }]));
    const r = await cli(dir, ['check', file, '--json']);
    if (r.exitCode !== 0) return `exit ${String(r.exitCode)}, ${refusal(`${String(r.stdout)}${String(r.stderr)}`)}`;
    return (JSON.parse(String(r.stdout)) as { hostdevs: Array<{ parent: string }> }).hostdevs[0].parent;
  },
  'pool-start': async (dir, s) => {
    const refused = await run(dir, [['pool-define', poolFile(dir, s)], ['pool-start', 'p']]);
    return refused ?? memberParent(dir);
  },
  autostart: async (dir, s) => {
    const refused = await run(dir, [['pool-define', poolFile(dir, s)], ['pool-autostart', 'p'], ['autostart']]);
    return refused ?? memberParent(dir);
  },
  'gc refill': async (dir, s) => {
    // the pool is started on an idle host, its member goes missing, then the set-up's devices appear:
    // gc re-creates the member by the policy over the host as it is now
    const r = await cli(dir, ['pool-define', poolFile(dir, s)]);
    if (r.exitCode !== 0) return `pool-define: ${String(r.stderr)}`;
    await cli(dir, ['pool-start', 'p']);
    const bus = openMdevBus(new HostRoot(dir));
    const info = await poolInfo(dir, 'p');
    for (const m of info.members) if (bus.findDevice(m.uuid)) await bus.remove(m.uuid);
    return 'started';
  },
};

function want(p: Path, s: Setup): string {
  if (p === 'check' && s.single.startsWith('refused')) return `exit 7, ${s.single}`;
  return p === 'hook prepare' || p === 'check' ? s.single : s.pool;
}

for (const [name, s] of Object.entries(setups)) {
  for (const p of Object.keys(paths) as Path[]) {
    test(`parent policy: ${name}: ${p}`, async (t) => {
      const sim = await simHost(['nvidia']);
      t.teardown(sim.cleanup);
      if (p === 'gc refill') {
        // started before the set-up, so that the members are made again on a host that has changed
        const started = await paths[p](sim.dir, { ...s, parent: s.parent });
        t.is(started, 'started');
        await prepared(sim.dir, s);
        await cli(sim.dir, ['gc', '--min-age', '0']);
        t.is(await memberParent(sim.dir), s.pool.startsWith('pool-define') ? 'none' : s.pool);
        return;
      }
      await prepared(sim.dir, s);
      const got = await paths[p](sim.dir, s);
      if (got !== want(p, s)) t.log(got);
      t.is(got, want(p, s));
    });
  }
}

// One domain asking for two NVIDIA types: the plan must see that the first create locks its GPU to
// that type, as the kernel will, so `check` says what prepare will do instead of a plan the driver refuses.
test('parent policy: two types in one domain go on two GPUs; on one named GPU, check and prepare refuse alike', async (t) => {
  const sim = await simHost(['nvidia']);
  t.teardown(sim.cleanup);
  const devs = [uuid(), uuid()];
  const free = domainXml('vm', uuid(), [{ uuid: devs[0]!, type: 'nvidia-63' }, { uuid: devs[1]!, type: 'nvidia-64' }]);
  const file = path.join(sim.dir, 'vm.xml');
  fs.writeFileSync(file, free);
  const c = await cli(sim.dir, ['check', file, '--json']);
  t.is(c.exitCode, 0, String(c.stderr));
  t.deepEqual((JSON.parse(String(c.stdout)) as { hostdevs: Array<{ parent: string }> }).hostdevs.map((h) => h.parent), [A, B]);
  t.is((await hook(sim.dir, 'vm', 'prepare', 'begin', free)).exitCode, 0);
  t.deepEqual(devs.map((d) => ledger(sim.dir).find((e) => e.uuid === d)?.parent), [A, B]);

  t.is((await hook(sim.dir, 'vm', 'release', 'end', free)).exitCode, 0);
  const pinned = domainXml('pinned', uuid(), [{ uuid: uuid(), type: 'nvidia-63', parent: B }, { uuid: uuid(), type: 'nvidia-64', parent: B }]);
  fs.writeFileSync(file, pinned);
  const refused = await cli(sim.dir, ['check', file]);
  t.is(refused.exitCode, 7);
  const before = ledger(sim.dir).length;
  const h = await hook(sim.dir, 'pinned', 'prepare', 'begin', pinned);
  t.is(h.exitCode, 1);
  for (const out of [String(refused.stdout), String(h.stderr)]) t.regex(out, /parent 0000:42:00\.0 has no nvidia-64 instance left \(an NVIDIA GPU hosts one vGPU type at a time\)/);
  t.is(ledger(sim.dir).length, before, 'prepare created nothing');
});
