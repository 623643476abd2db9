// release end: after QEMU is gone and libvirt has restored labels (reference §4.7). Removes exactly
// the devices this domain's prepare created, per the ledger; it also runs after a failed prepare, so
// it must be idempotent. A remove can block while anything still holds the device open (§1.5): it
// runs outside the lock with a bound, and one that does not finish is left to `virt-mdev gc`.
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import { dropEntry, notOurDevice, sameDomain, setState, withLedger } from '../ledger/store.js';
import { listRunningDomains, runningUserOf } from '../ledger/running.js';
import { removeAndSettle } from '../ledger/settle.js';
import type { HookContext } from './context.js';

export interface ReleaseResult {
  removed: string[];
  abandoned: string[];
  kept: string[];
}

export async function release(ctx: HookContext, domain: DomainRef): Promise<ReleaseResult> {
  const kept: string[] = [];
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
        kept.push(e.uuid);
      } else {
        const dev = ctx.bus.findDevice(e.uuid);
        const replaced = dev ? notOurDevice(e, dev) : undefined;
        if (replaced) {
          dropEntry(txn.ledger, e.uuid);
          ctx.log.log('forget', { uuid: e.uuid, parent: e.parent, type: e.type, why: replaced });
          continue;
        }
        const user = runningUserOf(running, e.uuid, domain);
        if (user) {
          ctx.log.log('skip', { uuid: e.uuid, why: `in use by running domain '${user.name}'` });
          kept.push(e.uuid);
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
  const r = await removeAndSettle(marked.map((e) => e.uuid), {
    root: ctx.root, bus: ctx.bus, removeTimeoutMs: ctx.cfg.removeTimeoutMs, lockTimeoutMs: ctx.cfg.lockTimeoutMs,
    log: (a, f) => ctx.log.log(a, f),
    owns: (e) => sameDomain(e.domain, domain),
    afterRemove: () => ctx.kill('release-removed'),
    afterCommit: () => ctx.kill('release-committed'),
  });
  return { ...r, kept };
}
