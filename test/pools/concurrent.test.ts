// pool-start runs under the ledger lock: pools started at the same time competing for one parent's
// capacity never over-commit it, never create a member twice, and the ledger matches the bus after.
import test from 'ava';
import { poolMemberUuid } from '../../src/pools/types.js';
import { define, devices, poolLedger, simHost, type Host } from './helpers.js';

function consistent(t: import('ava').ExecutionContext, h: Host, pools: string[]): void {
  const devs = devices(h);
  const recorded = pools.flatMap((p) => poolLedger(h, p));
  t.deepEqual(devs.map((d) => d.uuid).sort(), recorded.map((e) => e.uuid).sort(), 'every device is a recorded member and every record a device');
  for (const e of recorded) {
    t.is(e.uuid, poolMemberUuid(e.pool!, e.member!));
    t.is(e.state, 'active');
    t.is(devs.find((d) => d.uuid === e.uuid)!.typeId, e.type);
  }
}

test('two pools racing for the 24 mtty ports (16 + 12 wanted): one complete, the other what is left, never more', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'duals', 'mtty-2', 8);
  await define(h, 'singles', 'mtty-1', 12);
  // three starts of each pool at once: the first of each creates, the others find nothing (or too little) to do
  const runs = await Promise.all(['duals', 'singles', 'duals', 'singles', 'duals', 'singles'].map((p) => h.run(['pool-start', p])));
  for (const r of runs) t.true([0, 1, 7].includes(r.exitCode!), String(r.stderr));
  const duals = poolLedger(h, 'duals').length;
  const singles = poolLedger(h, 'singles').length;
  t.true(2 * duals + singles <= 24, `${duals} duals and ${singles} singles overcommit 24 ports`);
  t.true((duals === 8 && singles === 8) || (singles === 12 && duals === 6), `${duals} duals, ${singles} singles`);
  t.true(runs.some((r) => r.exitCode === 7 && /no capacity left for mtty-/.test(String(r.stderr))));
  consistent(t, h, ['duals', 'singles']);
});

test('nvidia: two pools of different types started at once each take a GPU of their own', async (t) => {
  const h = await simHost('nvidia');
  t.teardown(h.cleanup);
  await define(h, 'q1', 'nvidia-63', 24);
  await define(h, 'q2', 'nvidia-64', 12);
  const [a, b] = await Promise.all([h.run(['pool-start', 'q1']), h.run(['pool-start', 'q2'])]);
  t.is(a.exitCode, 0, String(a.stderr));
  t.is(b.exitCode, 0, String(b.stderr));
  const devs = devices(h);
  for (const parent of ['0000:41:00.0', '0000:42:00.0']) {
    const types = new Set(devs.filter((d) => d.parent === parent).map((d) => d.typeId));
    t.is(types.size, 1, `${parent} holds ${[...types].join(', ')}`);
  }
  t.is(devs.length, 36);
  consistent(t, h, ['q1', 'q2']);
});
