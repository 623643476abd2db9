// The second half of every removal (release, gc): entries were marked 'removing' under the lock, the
// removes ran WITHOUT the lock (a remove can block for as long as something holds the device open,
// and other domains must still be able to start meanwhile), and now, under the lock again, each
// entry is settled: dropped when the device is gone, 'abandoned' when the remove did not finish.
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

export async function removeAndSettle(uuids: string[], o: SettleOptions): Promise<SettleResult> {
  const res: SettleResult = { removed: [], abandoned: [] };
  if (uuids.length === 0) return res;
  const removals = await o.bus.removeEach(uuids, { timeoutMs: o.removeTimeoutMs });
  const outcomes = uuids.map((uuid, i) => {
    const r = removals[i]!;
    return r instanceof Error ? { uuid, outcome: 'error' as const, message: r.message } : { uuid, outcome: r as RemoveOutcome | 'error', message: '' };
  });
  o.afterRemove?.();
  await withLedger(o.root, async (txn) => {
    await batched(o.bus, async () => settleEach(txn, outcomes, o, res));
    txn.commit();
    o.afterCommit?.();
  }, { lockTimeoutMs: o.lockTimeoutMs });
  return res;
}

/** fn as one batch of kernel writes (the members afterDrop makes again): no remove waits in it */
function batched<T>(bus: MdevBus, fn: () => Promise<T>): Promise<T> {
  return bus.writeBatch ? bus.writeBatch(fn) : fn();
}

type Outcome = { uuid: string; outcome: RemoveOutcome | 'error'; message: string };

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
