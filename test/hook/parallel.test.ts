// 32 domains start at once and compete for the 12 mtty-2 instances of one mtty parent: the ledger
// lock must hand out each instance once, the losers must fail cleanly, and releases must leave the
// host exactly as it was.
import test from 'ava';
import { devices, domainXml, hook, ledger, simHost, sysSnapshot, uuid } from './helpers.js';

test('32 parallel prepares for 12 mtty-2 instances: 12 succeed, 20 fail with a capacity message, nothing leaks', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const doms = Array.from({ length: 32 }, (_, i) => {
    const name = `par${String(i).padStart(2, '0')}`;
    const dev = uuid();
    return { name, dev, xml: domainXml(name, uuid(), [{ uuid: dev, type: 'mtty-2' }]) };
  });
  const results = await Promise.all(doms.map((d) => hook(sim.dir, d.name, 'prepare', 'begin', d.xml)));
  const ok = doms.filter((_, i) => results[i].exitCode === 0);
  const failed = results.filter((r) => r.exitCode !== 0);
  t.is(ok.length, 12);
  t.is(failed.length, 20);
  for (const r of failed) {
    t.is(r.exitCode, 1);
    t.is(String(r.stderr).trim().split('\n').length, 1);
    t.regex(String(r.stderr), /no capacity: no parent has an mdev of type mtty-2 left \(mtty: 0 left\)/);
  }
  t.deepEqual(devices(sim.dir), ok.map((d) => d.dev).sort(), 'exactly the winners\' devices exist');
  t.deepEqual(ledger(sim.dir).map((e) => e.domain?.name).sort(), ok.map((d) => d.name).sort());
  t.true(ledger(sim.dir).every((e) => e.state === 'active'));
  // libvirt releases every domain, including those whose prepare failed
  const rel = await Promise.all(doms.map((d) => hook(sim.dir, d.name, 'release', 'end', d.xml)));
  t.true(rel.every((r) => r.exitCode === 0));
  t.deepEqual(ledger(sim.dir), []);
  t.deepEqual(sysSnapshot(sim.dir), before);
});
