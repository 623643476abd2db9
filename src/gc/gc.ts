// virt-mdev gc: bring the ledger and the host back in line after anything that interrupted the hook
// (a crash, a SIGKILL, a libvirtd that died mid-start, a remove that blocked past its bound).
// It only ever removes devices the ledger says we created, and never one a running domain names.
import type { HostRoot } from '../host/root.js';
import { dropEntry, notOurDevice, setState, withLedger } from '../ledger/store.js';
import { findRunning, listRunningDomains, runningUserOf } from '../ledger/running.js';
import { removeAndSettle } from '../ledger/settle.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { MdevBus } from '../mdevbus/types.js';

export interface GcOptions {
  /** an 'active' device of a domain that does not run yet is left alone this long (it may be starting) */
  minAgeMs: number;
  removeTimeoutMs: number;
  lockTimeoutMs?: number;
  /** report what would happen, change nothing */
  dryRun?: boolean;
  log?: (action: string, fields: Record<string, unknown>) => void;
}

export interface GcAction {
  uuid: string;
  action: 'remove' | 'removed' | 'abandoned' | 'forget' | 'keep' | 'return-to-pool' | 'activate';
  why: string;
  domain?: string;
  parent: string;
  type: string;
}

export interface GcReport {
  actions: GcAction[];
}

function decide(e: LedgerEntry, bus: MdevBus, running: ReturnType<typeof listRunningDomains>, o: GcOptions, now: number):
  Omit<GcAction, 'uuid' | 'parent' | 'type' | 'domain'> {
  const dev = bus.findDevice(e.uuid);
  if (!dev) return { action: 'forget', why: 'the device no longer exists' };
  const user = runningUserOf(running, e.uuid);
  const ownerRuns = findRunning(running, e.domain);
  if (user || ownerRuns) {
    if (e.state === 'creating' && ownerRuns) return { action: 'activate', why: `its domain '${ownerRuns.name}' runs` };
    return { action: 'keep', why: `in use by running domain '${(user ?? ownerRuns)!.name}'` };
  }
  if (e.pool !== undefined) {
    return e.domain ? { action: 'return-to-pool', why: `lent to '${e.domain.name}', which no longer runs` } : { action: 'keep', why: `owned by pool '${e.pool}'` };
  }
  if (e.origin === 'adopted') return { action: 'forget', why: 'adopted, not created by virt-mdev: never removed, only forgotten' };
  const replaced = notOurDevice(e, dev);
  if (replaced) return { action: 'forget', why: replaced };
  switch (e.state) {
    case 'creating':
      // the ledger lock is ours, so the prepare that wrote this intent is gone: undo its create
      return { action: 'remove', why: 'a prepare was interrupted after recording its intent' };
    case 'removing':
      return { action: 'remove', why: 'a release was interrupted' };
    case 'abandoned':
      return { action: 'remove', why: `finishing an abandoned removal (${e.note ?? 'remove did not finish'})` };
    case 'active': {
      const age = now - Date.parse(e.updatedAt);
      if (age < o.minAgeMs) {
        return { action: 'keep', why: `prepared ${Math.round(age / 1000)} s ago for '${e.domain?.name ?? '?'}', which may still be starting (min age ${Math.round(o.minAgeMs / 1000)} s)` };
      }
      return { action: 'remove', why: `its domain '${e.domain?.name ?? '?'}' no longer runs` };
    }
  }
}

export async function gc(root: HostRoot, bus: MdevBus, o: GcOptions): Promise<GcReport> {
  const log = o.log ?? (() => {});
  const actions: GcAction[] = [];
  const toRemove = await withLedger(root, (txn) => {
    const running = listRunningDomains(root);
    const now = Date.now();
    const marked: string[] = [];
    for (const e of [...txn.ledger.devices]) {
      const d = decide(e, bus, running, o, now);
      actions.push({ uuid: e.uuid, parent: e.parent, type: e.type, domain: e.domain?.name, ...d });
      if (o.dryRun) continue;
      if (d.action !== 'keep') log(`gc-${d.action}`, { uuid: e.uuid, parent: e.parent, type: e.type, why: d.why });
      switch (d.action) {
        case 'forget': dropEntry(txn.ledger, e.uuid); break;
        case 'activate': setState(e, 'active'); break;
        case 'return-to-pool': delete e.domain; setState(e, 'active'); break;
        case 'remove': setState(e, 'removing'); marked.push(e.uuid); break;
        case 'keep': break;
      }
    }
    if (!o.dryRun) txn.commit();
    return marked;
  }, { lockTimeoutMs: o.lockTimeoutMs });
  if (o.dryRun || toRemove.length === 0) return { actions };
  const r = await removeAndSettle(toRemove, {
    root, bus, removeTimeoutMs: o.removeTimeoutMs, lockTimeoutMs: o.lockTimeoutMs,
    log, owns: (e) => toRemove.includes(e.uuid),
  });
  for (const a of actions) {
    if (a.action !== 'remove') continue;
    if (r.removed.includes(a.uuid)) a.action = 'removed';
    else if (r.abandoned.includes(a.uuid)) a.action = 'abandoned';
  }
  return { actions };
}

