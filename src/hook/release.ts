// release end: after QEMU is gone and libvirt has restored labels (reference §4.7). Removes exactly
// the devices this domain's prepare created, per the ledger; it also runs after a failed prepare, so
// it must be idempotent. A remove can block while anything still holds the device open (§1.5): it
// is tried under the lock for at most RELEASE_LOCKED_REMOVE_MS (QEMU is gone: it returns at once, and
// the release takes the lock once), then waited for outside the lock up to remove_timeout; one that
// does not finish is left to `virt-mdev gc`.
// A device drawn from a pool is removed the same way, and the member it replaced is created again
// under the lock, on the parent whose capacity the removal just gave back.
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import type { LedgerTxn } from '../ledger/store.js';
import { findPoolDefinition } from '../pools/store.js';
import { poolMemberUuid } from '../pools/types.js';
import { dropEntry, ledgerPath, notOurDevice, sameDomain, setState, withLedger } from '../ledger/store.js';
import { listRunningDomains, preloadRunningDomains, runningUserOf } from '../ledger/running.js';
import { removeAndSettle, removeAndSettleHeld, type SettleOptions } from '../ledger/settle.js';
import type { HookContext } from './context.js';
import { restoreMember } from './draw.js';
import { writeFailure } from '../util/atomic.js';
import { isVirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';

export interface ReleaseResult {
  removed: string[];
  abandoned: string[];
  kept: string[];
  /** pool members created again in place of the domain's devices */
  returned: string[];
  /** why the ledger could not record this release (its devices were removed all the same) */
  unrecorded?: string;
}

/** The member's own entry, which an unmanaged hostdev held (not a device drawn for the domain). */
function isHeldMember(e: LedgerEntry): boolean {
  return e.pool !== undefined && e.member !== undefined && e.uuid === poolMemberUuid(e.pool, e.member);
}

/** Give a removed drawn device's capacity back to its pool, unless the pool no longer wants that member. */
async function returnMember(ctx: HookContext, txn: LedgerTxn, e: LedgerEntry, returned: string[]): Promise<void> {
  if (e.pool === undefined || e.member === undefined) return;
  let size = Infinity;
  try {
    const def = findPoolDefinition(ctx.root, e.pool);
    size = def ? def.size : 0;
  } catch { /* an unreadable definition: keep the pool as it was */ }
  if (e.member >= size) {
    ctx.log.log('return-skip', { pool: e.pool, member: e.member, why: 'the pool is no longer defined with that member' });
    return;
  }
  ctx.kill('release-return');
  if (await restoreMember(ctx, txn, e.pool, e.type, e.member, e.parent)) {
    returned.push(poolMemberUuid(e.pool, e.member));
    ctx.log.log('return-to-pool', { uuid: e.uuid, pool: e.pool, member: e.member, parent: e.parent });
  }
}

/**
 * The ledger cannot be written (full, read-only, not ours to write): a stopped VM must still let go of
 * its devices, or it leaks them until someone notices. They are removed here, still under the ledger
 * lock, so no other virt-mdev process can take one over while it goes. Nothing else changes: no
 * member goes back to its pool (it could not be recorded: a device nobody owns), held members and
 * adopted devices stay as recorded. The ledger keeps listing the removed devices as this domain's,
 * which is what a crash right after the removes leaves too: `gc` (and this domain's next prepare)
 * drops entries whose device is gone; a remove that did not finish is still the domain's, for gc.
 */
async function removeUnrecorded(ctx: HookContext, toRemove: LedgerEntry[], why: string): Promise<Omit<ReleaseResult, 'kept'>> {
  const removed: string[] = [];
  const abandoned: string[] = [];
  // one remover for all of them, one bound for all: the ledger lock is held meanwhile
  const outcomes = await ctx.bus.removeEach(toRemove.map((e) => e.uuid), { timeoutMs: ctx.cfg.removeTimeoutMs });
  toRemove.forEach((e, i) => {
    const r = outcomes[i]!;
    const outcome = r instanceof Error ? `error: ${r.message}` : r;
    (outcome === 'removed' || outcome === 'absent' ? removed : abandoned).push(e.uuid);
    ctx.log.log('remove-unrecorded', { uuid: e.uuid, parent: e.parent, type: e.type, outcome, why });
  });
  return { removed, abandoned, returned: [], unrecorded: why };
}

/**
 * How long a release's removes may keep the ledger lock (and so other domains' starts) waiting: QEMU is
 * gone by release end, so a remove returns at once unless something else still holds the device.
 */
const RELEASE_LOCKED_REMOVE_MS = 2_000;

export async function release(ctx: HookContext, domain: DomainRef): Promise<ReleaseResult> {
  const kept: string[] = [];
  const returned: string[] = [];
  const settle: SettleOptions = {
    root: ctx.root, bus: ctx.bus, removeTimeoutMs: ctx.cfg.removeTimeoutMs, lockTimeoutMs: ctx.cfg.lockTimeoutMs,
    log: (a, f) => ctx.log.log(a, f),
    owns: (e) => sameDomain(e.domain, domain),
    afterRemove: () => ctx.kill('release-removed'),
    afterDrop: (txn, e) => returnMember(ctx, txn, e, returned),
    afterCommit: () => ctx.kill('release-committed'),
  };
  // parsed now, without the lock; under it, only what changed meanwhile is read again
  preloadRunningDomains(ctx.root);
  const first = await withLedger(ctx.root, async (txn): Promise<Omit<ReleaseResult, 'kept' | 'returned'> & { pending?: string[] }> => {
    ctx.kill('release-locked');
    const mine = txn.ledger.devices.filter((e) => sameDomain(e.domain, domain));
    if (mine.length === 0) return { removed: [], abandoned: [] };
    const running = listRunningDomains(ctx.root);
    const toRemove: LedgerEntry[] = [];
    for (const e of mine) {
      if (isHeldMember(e)) {
        // an unmanaged hostdev used the member itself: it is free again
        delete e.domain;
        setState(e, 'active');
        ctx.log.log('unhold', { uuid: e.uuid, pool: e.pool, member: e.member });
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
    try {
      txn.commit();
    } catch (e) {
      if (!isVirtMdevError(e) || e.reason !== 'unwritable') throw e;
      return removeUnrecorded(ctx, toRemove, `cannot write the ledger '${printable(ledgerPath(ctx.root), 200)}': ${writeFailure(e.cause)}`);
    }
    ctx.kill('release-marked');
    return removeAndSettleHeld(txn, toRemove.map((e) => e.uuid), RELEASE_LOCKED_REMOVE_MS, settle);
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
  if (first.unrecorded !== undefined) return { removed: first.removed, abandoned: first.abandoned, unrecorded: first.unrecorded, kept, returned: [] };
  const rest = await removeAndSettle(first.pending ?? [], settle, RELEASE_LOCKED_REMOVE_MS);
  return { removed: [...first.removed, ...rest.removed], abandoned: [...first.abandoned, ...rest.abandoned], kept, returned };
}
