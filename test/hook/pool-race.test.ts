// 32 domains start at once and draw from a pool of 8 while a loop of nodedev-create for the pool's type
// tries to take capacity: the ledger lock hands each member out once, nodedev-create only ever gets
// capacity outside the pool, and after the releases the pool has all its members again.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, devices, domainXml, hook, simHost, uuid } from './helpers.js';
import { members, poolInfo, startedPool } from './pool-helpers.js';

test('32 parallel draws from a pool of 8 with nodedev-create stealing: 8 succeed, 24 get the pool message, the pool keeps 8 members', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'race', 'mtty-2', 8);
  // mtty offers 12 mtty-2: 8 are the pool's, 4 lie outside it
  const doms = Array.from({ length: 32 }, (_, i) => {
    const name = `race${String(i).padStart(2, '0')}`;
    const dev = uuid();
    return { name, dev, xml: domainXml(name, uuid(), [{ uuid: dev, pool: 'race' }]) };
  });
  const nd = path.join(sim.dir, 'steal.xml');
  fs.writeFileSync(nd, "<device>\n  <parent>mtty</parent>\n  <capability type='mdev'>\n    <type id='mtty-2'/>\n  </capability>\n</device>\n");
  let racing = true;
  let tries = 0;
  const stolen: string[] = [];
  const refusals = new Set<string>();
  const thief = async (): Promise<void> => {
    while (racing) {
      tries++;
      const r = await cli(sim.dir, ['--json', 'nodedev-create', nd]);
      if (r.exitCode === 0) stolen.push((JSON.parse(String(r.stdout)) as { uuid: string }).uuid);
      else refusals.add(`${String(r.exitCode)} ${(JSON.parse(String(r.stderr)) as { error: string }).error}`);
    }
  };
  // the pool never has fewer than 8 members: each exists, or a domain's device stands in for it
  let lowest = 8;
  const monitor = async (): Promise<void> => {
    while (racing) {
      const info = await poolInfo(sim.dir, 'race');
      lowest = Math.min(lowest, info.free + info.lent);
    }
  };
  const side = Promise.all([thief(), thief(), thief(), monitor()]);
  const results = await Promise.all(doms.map((d) => hook(sim.dir, d.name, 'prepare', 'begin', d.xml)));
  racing = false;
  await side;
  t.is(lowest, 8, 'the pool never had fewer than 8 members');
  t.log(`nodedev-create ran ${tries} times during the race and made ${stolen.length} devices`);
  const ok = doms.filter((_, i) => results[i].exitCode === 0);
  const failed = results.filter((r) => r.exitCode !== 0);
  t.is(ok.length, 8);
  t.is(failed.length, 24);
  for (const r of failed) {
    t.is(r.exitCode, 1);
    t.is(String(r.stderr).trim().split('\n').length, 1);
    t.regex(String(r.stderr), /: pool race: 0 of 8 free \(lent to [a-z0-9, ]+\); stop a domain that uses the pool/);
  }
  t.true(stolen.length <= 4, `nodedev-create got ${stolen.length} devices: only capacity outside the pool`);
  t.true(stolen.length >= 1, 'the thief did get the capacity outside the pool');
  t.true([...refusals].every((x) => x === '7 no-capacity'), `the only refusal is: no capacity (${[...refusals].join(', ')})`);
  t.deepEqual(devices(sim.dir), [...ok.map((d) => d.dev), ...stolen].sort(), 'the winners\' devices and what nodedev-create made, nothing else');
  t.like(await poolInfo(sim.dir, 'race'), { free: 0, lent: 8, missing: 0 });
  const rel = await Promise.all(doms.map((d) => hook(sim.dir, d.name, 'release', 'end', d.xml)));
  t.true(rel.every((r) => r.exitCode === 0));
  t.like(await poolInfo(sim.dir, 'race'), { free: 8, lent: 0, missing: 0 });
  t.deepEqual(devices(sim.dir), [...pool, ...stolen].sort());
  t.deepEqual(members('race', 8), pool);
});
