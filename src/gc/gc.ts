// virt-mdev gc: bring the ledger and the host back in line after anything that interrupted the hook
// (a crash, a SIGKILL, a libvirtd that died mid-start, a remove that blocked past its bound).
// It only ever removes devices the ledger says we created, and never one a running domain names.
// Pools get back what was lent to domains that no longer run, and their missing members (./pool-gc.ts).
import type { HostRoot } from '../host/root.js';
import { dropEntry, notOurDevice, readLedger, setState, withLedger } from '../ledger/store.js';
import { findRunning, listRunningDomains, preloadRunningDomains, runningUserOf } from '../ledger/running.js';
import { removeAndSettle } from '../ledger/settle.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { MdevBus } from '../mdevbus/types.js';
import { ExitCode, type ExitCodeValue } from '../util/errors.js';
import { decidePoolEntry, poolGcView, refillPools, refillPreview, startedPools, type PoolGcView, type Refill } from './pool-gc.js';

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
  action: 'remove' | 'removed' | 'abandoned' | 'forget' | 'keep' | 'activate' | 'unhold' | 'undo-draw'
    /** pool members: made again, would be made again (dry run), cannot be made now */
    | 'recreated' | 'would-recreate' | 'missing';
  why: string;
  domain?: string;
  parent: string;
  type: string;
  /** missing: the exit code of what stands in the way */
  code?: ExitCodeValue;
}

export interface GcReport {
  actions: GcAction[];
}

function decide(e: LedgerEntry, bus: MdevBus, running: ReturnType<typeof listRunningDomains>, o: GcOptions, now: number, pv: PoolGcView):
  Omit<GcAction, 'uuid' | 'parent' | 'type' | 'domain'> {
  const dev = bus.findDevice(e.uuid);
  if (!dev && e.origin !== 'adopted' && bus.removalPending(e.uuid)) {
    // off the bus but not gone: the kernel still waits for its last user; keep track until it is gone
    return { action: 'remove', why: `its removal waits for the device's last user (${e.note ?? 'still open'})` };
  }
  if (e.pool !== undefined) return decidePoolEntry(e, dev, pv);
  if (!dev) return { action: 'forget', why: 'the device no longer exists' };
  const user = runningUserOf(running, e.uuid);
  const ownerRuns = findRunning(running, e.domain);
  if (user || ownerRuns) {
    if (e.state === 'creating' && ownerRuns) return { action: 'activate', why: `its domain '${ownerRuns.name}' runs` };
    return { action: 'keep', why: `in use by running domain '${(user ?? ownerRuns)!.name}'` };
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

function refillAction(r: Refill): GcAction {
  return { uuid: r.uuid, action: r.outcome, why: r.why, parent: r.parent ?? '-', type: r.type, ...(r.code !== undefined ? { code: r.code } : {}) };
}

export async function gc(root: HostRoot, bus: MdevBus, o: GcOptions): Promise<GcReport> {
  const log = o.log ?? (() => {});
  const actions: GcAction[] = [];
  preloadRunningDomains(root);
  const { marked: toRemove, pools } = await withLedger(root, (txn) => {
    const running = listRunningDomains(root);
    const now = Date.now();
    const pv = poolGcView(txn.ledger, running, now, o.minAgeMs);
    const pools = startedPools(txn.ledger, pv);
    const marked: string[] = [];
    for (const e of [...txn.ledger.devices]) {
      const d = decide(e, bus, running, o, now, pv);
      actions.push({ uuid: e.uuid, parent: e.parent, type: e.type, domain: e.domain?.name, ...d });
      if (o.dryRun) continue;
      if (d.action !== 'keep') log(`gc-${d.action}`, { uuid: e.uuid, parent: e.parent, type: e.type, why: d.why });
      switch (d.action) {
        case 'forget': dropEntry(txn.ledger, e.uuid); break;
        case 'activate': case 'undo-draw': setState(e, 'active'); break;
        case 'unhold': delete e.domain; setState(e, 'active'); break;
        case 'remove': setState(e, 'removing'); marked.push(e.uuid); break;
        case 'keep': break;
      }
    }
    if (!o.dryRun) txn.commit();
    return { marked, pools };
  }, { lockTimeoutMs: o.lockTimeoutMs });
  if (o.dryRun) {
    actions.push(...refillPreview(root, readLedger(root), bus.listDevices(), listRunningDomains(root), pools).map(refillAction));
    return { actions };
  }
  if (toRemove.length > 0) {
    const r = await removeAndSettle(toRemove, {
      root, bus, removeTimeoutMs: o.removeTimeoutMs, lockTimeoutMs: o.lockTimeoutMs,
      log, owns: (e) => toRemove.includes(e.uuid),
    });
    for (const a of actions) {
      if (a.action !== 'remove') continue;
      if (r.removed.includes(a.uuid)) a.action = 'removed';
      else if (r.abandoned.includes(a.uuid)) a.action = 'abandoned';
    }
  }
  if (pools.length > 0) {
    const refills = await withLedger(root, (txn) => refillPools(root, bus, txn, pools, log), { lockTimeoutMs: o.lockTimeoutMs });
    actions.push(...refills.map(refillAction));
  }
  return { actions };
}

/** The exit code for members gc could not make again (undefined when every started pool is whole). */
export function missingMembersCode(report: GcReport): ExitCodeValue | undefined {
  const missing = report.actions.filter((a) => a.action === 'missing');
  if (missing.length === 0) return undefined;
  return missing.every((a) => a.code === missing[0].code) && missing[0].code !== undefined ? missing[0].code : ExitCode.FAILURE;
}
