// release end: after QEMU is gone and libvirt has restored labels (reference §4.7). Removes exactly
// the devices this domain's prepare created, per the ledger; it also runs after a failed prepare, so
// it must be idempotent. A remove can block while anything still holds the device open (§1.5): it
// runs outside the lock with a bound, and one that does not finish is left to `virt-mdev gc`.
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import { dropEntry, findEntry, sameDomain, setState, withLedger } from '../ledger/store.js';
import { listRunningDomains, runningUserOf } from '../ledger/running.js';
import type { RemoveOutcome } from '../mdevbus/types.js';
import type { HookContext } from './context.js';

export interface ReleaseResult {
  removed: string[];
  abandoned: string[];
  kept: string[];
}

/** Remove the given entries' devices (they are already marked 'removing'), then record how it went. */
export async function removeMarked(ctx: HookContext, entries: Array<Pick<LedgerEntry, 'uuid'>>, owner: (e: LedgerEntry) => boolean,
  steps: { removed?: 'release-removed'; committed?: 'release-committed' } = {}): Promise<ReleaseResult> {
  const res: ReleaseResult = { removed: [], abandoned: [], kept: [] };
  if (entries.length === 0) return res;
  const outcomes = await Promise.all(entries.map(async (e) => {
    try {
      return { uuid: e.uuid, outcome: await ctx.bus.remove(e.uuid, { timeoutMs: ctx.cfg.removeTimeoutMs }) as RemoveOutcome | 'error', message: '' };
    } catch (err) {
      return { uuid: e.uuid, outcome: 'error' as const, message: (err as Error).message };
    }
  }));
  if (steps.removed) ctx.kill(steps.removed);
  await withLedger(ctx.root, (txn) => {
    for (const o of outcomes) {
      const e = findEntry(txn.ledger, o.uuid);
      if (!e || e.state !== 'removing' || !owner(e)) continue; // someone (gc) settled it meanwhile
      if (o.outcome === 'removed' || o.outcome === 'absent') {
        dropEntry(txn.ledger, o.uuid);
        res.removed.push(o.uuid);
        ctx.log.log('remove', { uuid: o.uuid, parent: e.parent, type: e.type, outcome: o.outcome });
      } else {
        const note = o.outcome === 'timeout'
          ? `remove blocked for more than ${Math.round(ctx.cfg.removeTimeoutMs / 1000)} s (device still open?)`
          : `remove failed: ${o.message}`;
        setState(e, 'abandoned', note);
        res.abandoned.push(o.uuid);
        ctx.log.log('abandon', { uuid: o.uuid, parent: e.parent, type: e.type, outcome: o.outcome, note });
      }
    }
    txn.commit();
    if (steps.committed) ctx.kill(steps.committed);
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
  return res;
}

export async function release(ctx: HookContext, domain: DomainRef): Promise<ReleaseResult> {
  const marked = await withLedger(ctx.root, (txn) => {
    ctx.kill('release-locked');
    const mine = txn.ledger.devices.filter((e) => sameDomain(e.domain, domain));
    if (mine.length === 0) return [];
    const running = listRunningDomains(ctx.root);
    const toRemove: LedgerEntry[] = [];
    for (const e of mine) {
      if (e.pool !== undefined) {
        // a pool's device goes back to its pool, it is not ours to remove
        delete e.domain;
        setState(e, 'active');
        ctx.log.log('return-to-pool', { uuid: e.uuid, pool: e.pool });
      } else if (e.origin === 'adopted') {
        dropEntry(txn.ledger, e.uuid);
        ctx.log.log('forget', { uuid: e.uuid, parent: e.parent, type: e.type, why: 'adopted, not created by virt-mdev' });
      } else if (e.state === 'abandoned') {
        ctx.log.log('skip', { uuid: e.uuid, why: 'an earlier remove is still pending; gc finishes it' });
      } else {
        const user = runningUserOf(running, e.uuid, domain);
        if (user) {
          ctx.log.log('skip', { uuid: e.uuid, why: `in use by running domain '${user.name}'` });
          continue;
        }
        setState(e, 'removing');
        toRemove.push(e);
      }
    }
    txn.commit();
    ctx.kill('release-marked');
    return toRemove.map((e) => ({ uuid: e.uuid }));
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
  return removeMarked(ctx, marked, (e) => sameDomain(e.domain, domain), { removed: 'release-removed', committed: 'release-committed' });
}
