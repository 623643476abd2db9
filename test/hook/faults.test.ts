// The hook SIGKILLed at every step of prepare and release (VIRT_MDEV_TEST_KILL_AT, honoured only on a
// simulated host), then `virt-mdev gc`: nothing we created is left, nothing foreign is removed.
import test from 'ava';
import { cli, createByHand, devices, domainXml, hook, hookUntilKilled, killed, ledger, markRunning, simHost, sysSnapshot, uuid } from './helpers.js';

const PREPARE_STEPS = ['prepare-locked', 'prepare-intent', 'prepare-created', 'prepare-intent:2', 'prepare-created:2', 'prepare-committed'];
const RELEASE_STEPS = ['release-locked', 'release-marked', 'release-removed', 'release-committed'];

async function scenario(kill: string): Promise<{ ok: boolean; detail: string }> {
  const sim = await simHost(['mtty']);
  try {
    const foreign = uuid();
    await createByHand(sim.dir, 'mtty', 'mtty-1', foreign);
    const before = sysSnapshot(sim.dir);
    const xml = domainXml('crash', uuid(), [{ uuid: uuid(), type: 'mtty-2' }, { uuid: uuid(), type: 'mtty-1' }], [{ uuid: foreign }]);
    const detail: string[] = [];
    const notKilled = await hookUntilKilled(sim.dir, 'crash', xml, kill, kill.startsWith('prepare'), detail);
    if (notKilled) return { ok: false, detail: notKilled };
    detail.push(`after kill: devices=${devices(sim.dir).length} ledger=${ledger(sim.dir).map((e) => e.state).join(',')}`);
    const g = await cli(sim.dir, ['gc', '--min-age', '0', '--remove-timeout', '10']);
    detail.push(`gc exit=${String(g.exitCode)} ${String(g.stdout).trim()} ${String(g.stderr).trim()}`);
    const same = JSON.stringify(sysSnapshot(sim.dir)) === JSON.stringify(before);
    const ok = g.exitCode === 0 && same && ledger(sim.dir).length === 0 && devices(sim.dir).join() === foreign;
    return { ok, detail: detail.join(' | ') };
  } finally {
    sim.cleanup();
  }
}

for (const step of [...PREPARE_STEPS, ...RELEASE_STEPS]) {
  test(`killed at ${step}: gc leaves the host as before, the foreign device intact`, async (t) => {
    const r = await scenario(step);
    t.true(r.ok, r.detail);
  });
}

test('a prepare killed mid-way is undone by the release libvirt runs afterwards, too', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const xml = domainXml('crash2', uuid(), [{ uuid: uuid(), type: 'mtty-2' }, { uuid: uuid(), type: 'mtty-1' }]);
  const r = await hook(sim.dir, 'crash2', 'prepare', 'begin', xml, { VIRT_MDEV_TEST_KILL_AT: 'prepare-created:2' });
  t.true(killed(r));
  t.is(devices(sim.dir).length, 2);
  t.is((await hook(sim.dir, 'crash2', 'release', 'end', xml)).exitCode, 0);
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(ledger(sim.dir), []);
});

test('gc keeps recently prepared devices of a domain that may still be starting, and those of running domains', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid(), b = uuid();
  const xa = domainXml('starting', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  const xb = domainXml('running', uuid(), [{ uuid: b, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'starting', 'prepare', 'begin', xa)).exitCode, 0);
  t.is((await hook(sim.dir, 'running', 'prepare', 'begin', xb)).exitCode, 0);
  markRunning(sim.dir, 'running', xb);
  let g = await cli(sim.dir, ['gc']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.deepEqual(devices(sim.dir), [a, b].sort());
  t.regex(String(g.stdout), /keep .* may still be starting/);
  g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0);
  t.deepEqual(devices(sim.dir), [b], 'the running domain keeps its device');
  t.deepEqual(ledger(sim.dir).map((e) => e.uuid), [b]);
});
