// The removal rules where pools act, as a table. The return: releasing a domain that drew from a pool
// removes the drawn device and makes the member again; neither may touch a drawn device that became
// foreign (replaced by hand under the same UUID as another type) or that another running domain uses.
// The re-create paths (release, gc refilling, autostart filling): a member's UUID that someone else
// made as another type (foreign) is neither removed nor taken over; one that another running domain uses
// is neither removed nor lent; and a member UUID that a running domain names while it is absent may be
// made again, but only as lent to that domain: a third domain's draw never gets it.
// (A device with a member's UUID, the pool's type, on the pool's parents and unused is taken as that
// member on purpose (fill.ts, takeExisting): member UUIDs are derived from the pool's name, so such a
// device is the pool's own from before a lost ledger, not someone else's.)
import test from 'ava';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { cli, createByHand, domainXml, hook, ledger, markRunning, simHost, uuid } from './helpers.js';
import { poolInfo, startedPool } from './pool-helpers.js';

const DOM = 'drawer';
const POOL = 'p';
const TYPE = 'mtty-1';

type Target = 'drawn device' | 'member';
type Rule = 'foreign' | 'in-use' | 'in-use, absent';
type Path = 'release' | 'gc refill' | 'autostart';

interface World { dir: string; drawn: string; member: string; xml: string }

/** Pool started, DOM has drawn its one member: the member's UUID is absent, the drawn device exists. */
async function drawnWorld(dir: string): Promise<World> {
  const [member] = await startedPool(dir, POOL, TYPE, 1);
  const drawn = uuid();
  const xml = domainXml(DOM, uuid(), [{ uuid: drawn, pool: POOL }]);
  const r = await hook(dir, DOM, 'prepare', 'begin', xml);
  if (r.exitCode !== 0) throw new Error(String(r.stderr));
  return { dir, drawn, member, xml };
}

/** The rule applied to the device `u`: what someone else does to it while the pool is not looking. */
async function applyRule(dir: string, rule: Rule, u: string): Promise<void> {
  const bus = openMdevBus(new HostRoot(dir));
  if (rule === 'foreign') {
    if (bus.findDevice(u)) await bus.remove(u);
    await createByHand(dir, 'mtty', 'mtty-2', u);
  }
  if (rule === 'in-use') {
    if (!bus.findDevice(u)) await createByHand(dir, 'mtty', TYPE, u);
    markRunning(dir, 'other', domainXml('other', uuid(), [], [{ uuid: u }]));
  }
  if (rule === 'in-use, absent') {
    if (bus.findDevice(u)) await bus.remove(u);
    markRunning(dir, 'other', domainXml('other', uuid(), [], [{ uuid: u }]));
  }
}

const paths: Record<Path, (w: World) => Promise<unknown>> = {
  release: (w) => hook(w.dir, DOM, 'release', 'end', w.xml),
  'gc refill': (w) => cli(w.dir, ['gc', '--min-age', '0', '--remove-timeout', '10']),
  autostart: async (w) => {
    await cli(w.dir, ['pool-autostart', POOL]);
    return cli(w.dir, ['autostart']);
  },
};

interface Row { target: Target; rule: Rule; path: Path }
const rows: Row[] = [];
// the return: only release gives a drawn device back
for (const rule of ['foreign', 'in-use'] as Rule[]) rows.push({ target: 'drawn device', rule, path: 'release' });
for (const rule of ['foreign', 'in-use', 'in-use, absent'] as Rule[]) {
  for (const p of Object.keys(paths) as Path[]) rows.push({ target: 'member', rule, path: p });
}

for (const row of rows) {
  test(`pool safety: ${row.path} and the ${row.rule} ${row.target}`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const w = await drawnWorld(sim.dir);
    if (row.target === 'member' && row.path !== 'release') {
      // the domain gave its draw back; then the member went missing, as after a crash
      const r = await hook(sim.dir, DOM, 'release', 'end', w.xml) as { exitCode?: number };
      t.is(r.exitCode, 0);
      await openMdevBus(new HostRoot(sim.dir)).remove(w.member);
    }
    const u = row.target === 'member' ? w.member : w.drawn;
    await applyRule(sim.dir, row.rule, u);
    const bus = openMdevBus(new HostRoot(sim.dir));
    const before = bus.findDevice(u)?.typeId;
    await paths[row.path](w);
    const after = bus.findDevice(u);
    if (row.rule === 'in-use, absent') {
      const m = (await poolInfo(sim.dir, POOL)).members[0];
      if (after) t.like(m, { state: 'lent', domain: { name: 'other' } }, `${row.path} made ${u} again but not as 'other's`);
      const third = uuid();
      const r = await hook(sim.dir, 'third', 'prepare', 'begin', domainXml('third', uuid(), [{ uuid: third, pool: POOL }])) as { exitCode?: number };
      t.not(r.exitCode, 0, `a third domain drew the member running domain 'other' names`);
      t.is(Boolean(bus.findDevice(u)), Boolean(after), 'the member is where the path left it');
    } else {
      t.truthy(after, `${row.path} removed the ${row.rule} ${row.target}`);
      t.is(after?.typeId, before);
      t.false(bus.removalPending(u), 'no removal pending either');
    }
    if (row.target === 'member' && row.rule !== 'in-use, absent') {
      const m = (await poolInfo(sim.dir, POOL)).members[0];
      t.not(m.state, 'free', `the pool took over the ${row.rule} device as a free member`);
      if (row.rule === 'foreign') t.false(ledger(sim.dir).some((e) => e.uuid === u), `${row.path} recorded the foreign device as the pool's`);
    }
  });
}
