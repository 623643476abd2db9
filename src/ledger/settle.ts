// The second half of every removal (release, gc, pools): entries were marked 'removing' under the
// lock; the removes ran WITHOUT the lock (a remove can block for as long as something holds the device
// open, and other domains must still be able to start meanwhile), and now, under the lock again, each
// entry is settled: dropped when the device is gone, 'abandoned' when the remove did not finish.
// A release first tries its removes under the lock it marked them in, with a short bound
// (removeAndSettleHeld): at release end QEMU is gone, so they return at once and are settled in that
// same hold; only what is still blocked is waited for without the lock.
import type { HostRoot } from '../host/root.js';
import type { MdevBus, RemoveOutcome } from '../mdevbus/types.js';
import { dropEntry, findEntry, setState, withLedger, type LedgerTxn } from './store.js';
import type { LedgerEntry } from './types.js';

export interface SettleResult {
  removed: string[];
  abandoned: string[];
}

export interface SettleOptions {
  root: HostRoot;
  bus: MdevBus;
  removeTimeoutMs: number;
  lockTimeoutMs?: number;
  log: (action: string, fields: Record<string, unknown>) => void;
  /** only settle entries that still belong to the caller (another process may have taken them over) */
  owns: (e: LedgerEntry) => boolean;
  /** under the same lock, right after a removed device's entry is dropped (a pool re-creates its member) */
  afterDrop?: (txn: LedgerTxn, e: LedgerEntry) => Promise<void>;
  /** test fault injection points */
  afterRemove?: () => void;
  afterCommit?: () => void;
}

type Outcome = { uuid: string; outcome: RemoveOutcome | 'error'; message: string };

async function removeAll(uuids: string[], boundMs: number, o: SettleOptions): Promise<Outcome[]> {
  const removals = await o.bus.removeEach(uuids, { timeoutMs: boundMs });
  return uuids.map((uuid, i) => {
    const r = removals[i]!;
    return r instanceof Error ? { uuid, outcome: 'error' as const, message: r.message } : { uuid, outcome: r as RemoveOutcome | 'error', message: '' };
  });
}

/**
 * `waitedMs`: how long a first try under the lock (removeAndSettleHeld) already waited for these
 * removes; the bound here is what is left of removeTimeoutMs.
 */
export async function removeAndSettle(uuids: string[], o: SettleOptions, waitedMs = 0): Promise<SettleResult> {
  const res: SettleResult = { removed: [], abandoned: [] };
  if (uuids.length === 0) return res;
  const outcomes = await removeAll(uuids, Math.max(0, o.removeTimeoutMs - waitedMs), o);
  o.afterRemove?.();
  await withLedger(o.root, async (txn) => {
    await batched(o.bus, async () => settleEach(txn, outcomes, o, res));
    txn.commit();
    o.afterCommit?.();
  }, { lockTimeoutMs: o.lockTimeoutMs });
  return res;
}

/**
 * The removes tried under the lock the caller holds, in whose transaction the entries were marked
 * 'removing' and committed: each remove that returns within boundMs (a device nobody holds: at once)
 * is settled there and then, in the same hold of the lock, so a release takes the lock once. The
 * others are `pending`, their removes still under way: removeAndSettle waits for them without the
 * lock (other domains start meanwhile) for the rest of removeTimeoutMs.
 */
export async function removeAndSettleHeld(txn: LedgerTxn, uuids: string[], boundMs: number, o: SettleOptions): Promise<SettleResult & { pending: string[] }> {
  const res = { removed: [] as string[], abandoned: [] as string[], pending: [] as string[] };
  if (uuids.length === 0) return res;
  const bound = Math.min(boundMs, o.removeTimeoutMs);
  const outcomes = await removeAll(uuids, bound, o);
  o.afterRemove?.();
  // a remove still blocked when the whole bound is spent is over: abandoned here
  const pending = bound < o.removeTimeoutMs ? outcomes.filter((r) => r.outcome === 'timeout') : [];
  res.pending = pending.map((r) => r.uuid);
  const done = outcomes.filter((r) => !pending.includes(r));
  if (done.length > 0) {
    await batched(o.bus, async () => settleEach(txn, done, o, res));
    txn.commit();
    o.afterCommit?.();
  }
  return res;
}

/** fn as one batch of kernel writes (the members afterDrop makes again): no remove waits in it */
function batched<T>(bus: MdevBus, fn: () => Promise<T>): Promise<T> {
  return bus.writeBatch ? bus.writeBatch(fn) : fn();
}

async function settleEach(txn: LedgerTxn, outcomes: Outcome[], o: SettleOptions, res: SettleResult): Promise<void> {
  for (const r of outcomes) {
    const e = findEntry(txn.ledger, r.uuid);
    if (!e || e.state !== 'removing' || !o.owns(e)) continue; // settled by someone else meanwhile
    if (r.outcome === 'removed' || r.outcome === 'absent') {
      dropEntry(txn.ledger, r.uuid);
      res.removed.push(r.uuid);
      o.log('remove', { uuid: r.uuid, parent: e.parent, type: e.type, outcome: r.outcome });
      await o.afterDrop?.(txn, e);
    } else {
      const note = r.outcome === 'timeout'
        ? `remove blocked for more than ${Math.round(o.removeTimeoutMs / 1000)} s (device still open?)`
        : `remove failed: ${r.message}`;
      setState(e, 'abandoned', note);
      res.abandoned.push(r.uuid);
      o.log('abandon', { uuid: r.uuid, parent: e.parent, type: e.type, outcome: r.outcome, note });
    }
  }
}
