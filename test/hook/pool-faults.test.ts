// The hook SIGKILLed at every step of a draw and of a return (VIRT_MDEV_TEST_KILL_AT, honoured only
// on a simulated host), then `virt-mdev gc`: the pool is back to its size with the same members,
// nothing the hook made is left, the foreign device is untouched.
import test from 'ava';
import { cli, createByHand, devices, domainXml, hook, ledger, markRunning, markStopped, simHost, uuid } from './helpers.js';
import { hostState, poolInfo, startedPool } from './pool-helpers.js';

/** the hook is sh running node: a SIGKILLed node shows as sh's exit status 128 + 9 */
const killed = (r: { signal?: string; exitCode?: number }): boolean => r.signal === 'SIGKILL' || r.exitCode === 137;

const DRAW_STEPS = ['prepare-locked', 'draw-intent', 'draw-removed', 'draw-created', 'draw-created:2', 'prepare-committed'];
const RETURN_STEPS = ['release-locked', 'release-marked', 'release-removed', 'release-return', 'pool-member-intent', 'pool-member-created',
  'release-return:2', 'pool-member-intent:2', 'pool-member-created:2', 'release-committed'];

async function scenario(kill: string, cleanUp: 'gc' | 'release'): Promise<{ ok: boolean; detail: string }> {
  const sim = await simHost(['mtty']);
  try {
    const foreign = uuid();
    await createByHand(sim.dir, 'mtty', 'mtty-1', foreign);
    const pool = await startedPool(sim.dir, 'fp', 'mtty-2', 3);
    const before = hostState(sim.dir);
    const xml = domainXml('crash', uuid(), [{ uuid: uuid(), pool: 'fp' }, { uuid: uuid(), pool: 'fp' }], [{ uuid: foreign }]);
    const detail: string[] = [];
    if (kill.startsWith('prepare') || kill.startsWith('draw')) {
      const r = await hook(sim.dir, 'crash', 'prepare', 'begin', xml, { VIRT_MDEV_TEST_KILL_AT: kill });
      detail.push(`prepare exit=${String(r.exitCode)}`);
      if (!killed(r)) return { ok: false, detail: `not killed: ${detail.join('; ')} ${String(r.stderr)}` };
    } else {
      const p = await hook(sim.dir, 'crash', 'prepare', 'begin', xml);
      if (p.exitCode !== 0) return { ok: false, detail: `prepare failed: ${String(p.stderr)}` };
      markRunning(sim.dir, 'crash', xml);
      markStopped(sim.dir, 'crash');
      const r = await hook(sim.dir, 'crash', 'release', 'end', xml, { VIRT_MDEV_TEST_KILL_AT: kill });
      detail.push(`release exit=${String(r.exitCode)}`);
      if (!killed(r)) return { ok: false, detail: `not killed: ${detail.join('; ')}` };
    }
    detail.push(`after kill: devices=${devices(sim.dir).length} ledger=${ledger(sim.dir).map((e) => `${e.state}${e.domain ? '@' + e.domain.name : ''}`).join(',')}`);
    const c = cleanUp === 'gc'
      ? await cli(sim.dir, ['gc', '--min-age', '0', '--remove-timeout', '10'])
      : await hook(sim.dir, 'crash', 'release', 'end', xml);
    detail.push(`${cleanUp} exit=${String(c.exitCode)} ${String(c.stdout).trim().replace(/\n/g, ' / ')} ${String(c.stderr).trim()}`);
    const info = await poolInfo(sim.dir, 'fp');
    const same = JSON.stringify(hostState(sim.dir)) === JSON.stringify(before);
    const owned = ledger(sim.dir);
    const ok = c.exitCode === 0 && same && info.free === 3 && info.lent === 0 && info.missing === 0
      && owned.length === 3 && owned.every((e) => e.state === 'active' && !e.domain && pool.includes(e.uuid))
      && devices(sim.dir).join() === [...pool, foreign].sort().join();
    return { ok, detail: detail.join(' | ') };
  } finally {
    sim.cleanup();
  }
}

for (const step of [...DRAW_STEPS, ...RETURN_STEPS]) {
  test(`killed at ${step}: gc brings the pool back to 3 members, leaks nothing, keeps the foreign device`, async (t) => {
    const r = await scenario(step, 'gc');
    t.true(r.ok, r.detail);
  });
}

for (const step of ['draw-intent', 'draw-removed', 'draw-created']) {
  test(`killed at ${step}: the release libvirt runs after the failed start gives the members back too`, async (t) => {
    const r = await scenario(step, 'release');
    t.true(r.ok, r.detail);
  });
}
