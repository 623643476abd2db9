// gc and pools: members lent to domains that no longer run are returned, members lost to other tools
// are made again once their capacity is back, and what cannot be made yet is reported (exit 7).
import test from 'ava';
import { cli, createByHand, devices, domainXml, hook, markRunning, simHost, uuid } from '../hook/helpers.js';
import { poolInfo, startedPool } from '../hook/pool-helpers.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { HostRoot } from '../../src/host/root.js';

test('gc returns what was lent to a domain that no longer runs, keeps what a running one has, and remakes lost members once capacity returns', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'g', 'mtty-2', 4);
  const gone = uuid(), alive = uuid();
  const xGone = domainXml('gone', uuid(), [{ uuid: gone, pool: 'g' }]);
  const xAlive = domainXml('alive', uuid(), [{ uuid: alive, pool: 'g' }]);
  t.is((await hook(sim.dir, 'gone', 'prepare', 'begin', xGone)).exitCode, 0);
  t.is((await hook(sim.dir, 'alive', 'prepare', 'begin', xAlive)).exitCode, 0);
  markRunning(sim.dir, 'alive', xAlive);

  let g = await cli(sim.dir, ['gc']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.regex(String(g.stdout), /keep +\S+ mtty-2 on mtty \(gone\): lent by pool g \d+ s ago to 'gone', which may still be starting/);
  g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.regex(String(g.stdout), new RegExp(`removed +${gone} mtty-2 on mtty \\(gone\\): lent by pool g to 'gone', which no longer runs: returned to the pool`));
  t.regex(String(g.stdout), /recreated +\S+ mtty-2 on mtty: member 0 of pool g was missing/);
  t.like(await poolInfo(sim.dir, 'g'), { free: 3, lent: 1, lentTo: ['alive'], missing: 0 });
  t.true(devices(sim.dir).includes(alive));

  // another tool removes a free member and takes every instance left (12 mtty-2, minus members 0, 1, 3
  // and alive's device): gc cannot make it again yet
  const bus = openMdevBus(new HostRoot(sim.dir));
  t.is(await bus.remove(pool[2]), 'removed');
  const foreign: string[] = [];
  for (let i = 0; i < 9; i++) { const u = uuid(); await createByHand(sim.dir, 'mtty', 'mtty-2', u); foreign.push(u); }
  const dry = await cli(sim.dir, ['gc', '--min-age', '0', '-n']);
  t.regex(String(dry.stdout), /would-recreate \S+ mtty-2 on -: member 2 of pool g is (lost|missing)/);
  g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 7, String(g.stdout));
  t.regex(String(g.stdout), /missing +\S+ mtty-2: member 2 of pool g cannot be made now: no capacity left for mtty-2/);
  t.regex(String(g.stderr), /^virt-mdev: 1 pool member\(s\) could not be made again \(member 2 of pool g cannot be made now: .*\); 'virt-mdev gc' makes them once capacity returns\n$/);
  t.like(await poolInfo(sim.dir, 'g'), { free: 2, missing: 1 });
  t.true(foreign.every((u) => devices(sim.dir).includes(u)), 'nothing foreign is removed');

  t.is(await bus.remove(foreign[0]), 'removed');
  g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.like(await poolInfo(sim.dir, 'g'), { free: 3, lent: 1, missing: 0 });
  t.true(devices(sim.dir).includes(pool[2]));
});
