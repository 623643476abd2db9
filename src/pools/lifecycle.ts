// pool-start, pool-destroy and pool-resize: members come and go under the ledger lock. Removes run
// as release and gc run them (marked 'removing' under the lock, removed without it, settled under it
// again), so a member something still holds open never blocks domains that are starting meanwhile.
import type { HostRoot } from '../host/root.js';
import { listRunningDomains } from '../ledger/running.js';
import { removeAndSettle } from '../ledger/settle.js';
import { dropEntry, notOurDevice, setState, withLedger, type LedgerTxn } from '../ledger/store.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { MdevBus } from '../mdevbus/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { fillPool, type FillReport } from './fill.js';
import { checkPoolFits, checkPoolParents } from './host-check.js';
import type { MemberOps } from './member.js';
import { describeOffers, planPlacement } from './placement.js';
import { poolEntries, poolStatus, type MemberStatus } from './status.js';
import { readPoolDefinition, writePoolDefinition } from './store.js';
import type { PoolDefinition } from './types.js';

export interface LifecycleOptions {
  /** how long a member's remove may block (something holds it open) before it is left to gc */
  removeTimeoutMs?: number;
  lockTimeoutMs?: number;
  log?: (action: string, fields: Record<string, unknown>) => void;
}

const DEFAULT_REMOVE_TIMEOUT_MS = 30_000;

/** "3, 5-7" */
export function memberRanges(members: readonly number[]): string {
  const s = [...members].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j;
  }
  return out.join(', ');
}

/** The error a fill with missing members ends in (undefined when nothing is missing). */
export function shortfallError(def: PoolDefinition, report: FillReport, verb: string): VirtMdevError | undefined {
  const missing = report.missing;
  if (missing.length === 0) return undefined;
  const codes = [...new Set(missing.map((m) => m.code))];
  const code = codes.length === 1 ? codes[0]! : codes.includes(ExitCode.EXISTS) ? ExitCode.EXISTS : codes[0]!;
  const reasons = [...new Set(missing.map((m) => m.reason))];
  const n = missing.length;
  return new VirtMdevError(code, code === ExitCode.NO_CAPACITY ? 'pool-short' : 'pool-incomplete',
    `pool '${def.name}': ${n} of ${def.size} members could not be created (member${n === 1 ? '' : 's'} ${memberRanges(missing.map((m) => m.member))}): ${reasons[0]}; ` +
    `the members that were created stay; run 'virt-mdev ${verb}' again once that is fixed`,
  { details: reasons.slice(1) });
}

export interface StartResult {
  def: PoolDefinition;
  /** the pool had members before this start */
  wasActive: boolean;
  report: FillReport;
}

/** Create every member that does not exist. What fits is created even when not everything does. */
export async function startPool(root: HostRoot, ops: MemberOps, name: string, opts: LifecycleOptions = {}): Promise<StartResult> {
  return withLedger(root, async (txn) => {
    const def = readPoolDefinition(root, name);
    const wasActive = poolEntries(txn.ledger, name).length > 0;
    return { def, wasActive, report: await fillPool(ops, txn, def) };
  }, { lockTimeoutMs: opts.lockTimeoutMs });
}

/** Members lent to a domain (or named by a running domain's unmanaged hostdev) block their removal. */
function refuseLent(pool: string, members: MemberStatus[], what: string): void {
  const lent = members.filter((m) => m.state === 'lent');
  if (lent.length === 0) return;
  const domains = [...new Set(lent.map((m) => m.domain!.name))].sort();
  throw new VirtMdevError(ExitCode.EXISTS, 'pool-lent',
    `pool '${pool}': cannot ${what}: member${lent.length === 1 ? '' : 's'} ${memberRanges(lent.map((m) => m.member))} ${lent.length === 1 ? 'is' : 'are'} lent to ` +
    `domain${domains.length === 1 ? '' : 's'} ${domains.join(', ')}; shut ${domains.length === 1 ? 'it' : 'them'} down first (a member lent to a domain that no longer runs is returned by 'virt-mdev gc')`);
}

/** Mark entries for removal; a record whose device is gone, or is no longer ours, is only dropped. */
function markForRemoval(bus: MdevBus, txn: LedgerTxn, entries: LedgerEntry[]): string[] {
  const marked: string[] = [];
  for (const e of entries) {
    const dev = bus.findDevice(e.uuid);
    if (!dev || notOurDevice(e, dev)) dropEntry(txn.ledger, e.uuid);
    else {
      setState(e, 'removing');
      marked.push(e.uuid);
    }
  }
  txn.commit();
  return marked;
}

export interface RemoveResult {
  removed: string[];
  /** members whose remove did not finish in time (left 'abandoned' for gc) */
  abandoned: string[];
}

async function removeMarked(root: HostRoot, bus: MdevBus, pool: string, marked: string[], opts: LifecycleOptions): Promise<RemoveResult> {
  const removeTimeoutMs = opts.removeTimeoutMs ?? DEFAULT_REMOVE_TIMEOUT_MS;
  const r = await removeAndSettle(marked, {
    root, bus, removeTimeoutMs, lockTimeoutMs: opts.lockTimeoutMs, log: opts.log ?? (() => {}),
    owns: (e) => e.pool === pool && e.domain === undefined,
  });
  if (r.abandoned.length > 0) {
    throw new VirtMdevError(ExitCode.TIMEOUT, 'remove-timeout',
      `pool '${pool}': ${r.abandoned.length} member${r.abandoned.length === 1 ? '' : 's'} still open after ${Math.round(removeTimeoutMs / 1000)} s (${r.abandoned.join(', ')}): the kernel finishes the removal once they are released; 'virt-mdev gc' then clears the record`);
  }
  return r;
}

export interface DestroyResult extends RemoveResult {
  def: PoolDefinition;
}

/** Remove every member; refused while any is lent. The definition stays. */
export async function destroyPool(root: HostRoot, bus: MdevBus, name: string, opts: LifecycleOptions = {}): Promise<DestroyResult> {
  const { def, marked } = await withLedger(root, (txn) => {
    const def = readPoolDefinition(root, name);
    const entries = poolEntries(txn.ledger, name);
    if (entries.length === 0) throw new VirtMdevError(ExitCode.FAILURE, 'pool-inactive', `pool '${name}' is not active: nothing to destroy`);
    refuseLent(name, poolStatus(def, txn.ledger, { running: listRunningDomains(root) }).members, 'destroy it');
    return { def, marked: markForRemoval(bus, txn, entries) };
  }, { lockTimeoutMs: opts.lockTimeoutMs });
  return { def, ...await removeMarked(root, bus, name, marked, opts) };
}

export interface ResizeResult {
  def: PoolDefinition;
  from: number;
  active: boolean;
  /** growing an active pool */
  report?: FillReport;
  /** shrinking an active pool */
  removed?: RemoveResult;
}

async function grow(root: HostRoot, ops: MemberOps, txn: LedgerTxn, def: PoolDefinition, next: PoolDefinition, active: boolean): Promise<FillReport | undefined> {
  const source = `pool '${def.name}'`;
  const candidates = checkPoolParents(next, ops.bus.listParents(), source);
  checkPoolFits(next, candidates, source);
  const added = Array.from({ length: next.size - def.size }, (_, i) => def.size + i);
  if (active) {
    const plan = planPlacement(candidates, def.type, added);
    if (plan.unplaced.length > 0) {
      throw new VirtMdevError(ExitCode.NO_CAPACITY, 'pool-short',
        `${source}: only ${plan.placements.length} of ${added.length} new members fit now (${describeOffers(plan.offers, def.type)}); nothing was changed: free capacity or grow by less`);
    }
  }
  writePoolDefinition(root, next);
  return active ? fillPool(ops, txn, next, added) : undefined;
}

/** Grow (create members size … n-1) or shrink (remove the free members with the highest indices). */
export async function resizePool(root: HostRoot, ops: MemberOps, name: string, size: number, opts: LifecycleOptions = {}): Promise<ResizeResult> {
  const res = await withLedger(root, async (txn) => {
    const def = readPoolDefinition(root, name);
    const next = { ...def, size };
    const entries = poolEntries(txn.ledger, name);
    const r: ResizeResult & { marked: string[] } = { def: next, from: def.size, active: entries.length > 0, marked: [] };
    if (size > def.size) r.report = await grow(root, ops, txn, def, next, r.active);
    else if (size < def.size) {
      const going = poolStatus(def, txn.ledger, { running: listRunningDomains(root) }).members.filter((m) => m.member >= size);
      refuseLent(name, going, `shrink it to ${size}`);
      writePoolDefinition(root, next);
      r.marked = markForRemoval(ops.bus, txn, entries.filter((e) => (e.member ?? -1) >= size));
    }
    return r;
  }, { lockTimeoutMs: opts.lockTimeoutMs });
  const { marked, ...out } = res;
  if (marked.length > 0 || (out.active && size < out.from)) out.removed = await removeMarked(root, ops.bus, name, marked, opts);
  return out;
}
