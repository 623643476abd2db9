// gc for pools. A pool entry is either a member's own device (free, or held by an unmanaged hostdev)
// or a domain's device drawn in a member's place ("lent"). After a crash, a blocked remove or a
// domain that went away without release, gc takes lent devices back and finishes or undoes
// interrupted draws; then every started pool is filled up to its size again where capacity allows.
import { findRunning, runningUserOf, type RunningDomain } from '../ledger/running.js';
import { notOurDevice, type LedgerTxn } from '../ledger/store.js';
import type { Ledger, LedgerEntry } from '../ledger/types.js';
import type { MdevBus, MdevDevice } from '../mdevbus/types.js';
import { fillPool } from '../pools/fill.js';
import { poolStatus } from '../pools/status.js';
import { findPoolDefinition } from '../pools/store.js';
import { poolMemberUuid, type PoolDefinition } from '../pools/types.js';
import type { HostRoot } from '../host/root.js';
import { isVirtMdevError, type ExitCodeValue } from '../util/errors.js';

export type PoolDecision =
  | { action: 'keep' | 'forget' | 'activate' | 'remove' | 'unhold' | 'undo-draw'; why: string };

/** the member's own entry (free or held), as opposed to a domain's device drawn in its place */
export function isMemberEntry(e: LedgerEntry): boolean {
  return e.pool !== undefined && e.member !== undefined && e.uuid === poolMemberUuid(e.pool, e.member);
}

const key = (pool: string, member: number | undefined): string => `${pool}\u0000${String(member)}`;

export interface PoolGcView {
  running: RunningDomain[];
  now: number;
  minAgeMs: number;
  /** pool/member pairs that have a drawn device in the ledger when gc starts */
  lent: Set<string>;
}

export function poolGcView(ledger: Ledger, running: RunningDomain[], now: number, minAgeMs: number): PoolGcView {
  return { running, now, minAgeMs, lent: new Set(ledger.devices.filter((e) => e.pool !== undefined && !isMemberEntry(e)).map((e) => key(e.pool!, e.member))) };
}

function ageOf(v: PoolGcView, e: LedgerEntry): number {
  return v.now - Date.parse(e.updatedAt);
}

function decideLent(e: LedgerEntry, dev: MdevDevice | undefined, v: PoolGcView): PoolDecision {
  const pool = e.pool!;
  if (!dev) return { action: 'forget', why: `the device no longer exists; member ${String(e.member)} of pool ${pool} is made again` };
  const replaced = notOurDevice(e, dev);
  if (replaced) return { action: 'forget', why: replaced };
  const user = runningUserOf(v.running, e.uuid);
  const ownerRuns = findRunning(v.running, e.domain);
  if (user || ownerRuns) {
    if (e.state === 'creating' && ownerRuns) return { action: 'activate', why: `its domain '${ownerRuns.name}' runs` };
    return { action: 'keep', why: `lent by pool ${pool} to running domain '${(user ?? ownerRuns)!.name}'` };
  }
  switch (e.state) {
    case 'creating': return { action: 'remove', why: `a draw from pool ${pool} was interrupted: the device goes back to the pool` };
    case 'removing': return { action: 'remove', why: `a return to pool ${pool} was interrupted` };
    case 'abandoned': return { action: 'remove', why: `finishing an abandoned return to pool ${pool} (${e.note ?? 'remove did not finish'})` };
    case 'active': {
      const age = ageOf(v, e);
      if (age < v.minAgeMs) {
        return { action: 'keep', why: `lent by pool ${pool} ${Math.round(age / 1000)} s ago to '${e.domain?.name ?? '?'}', which may still be starting (min age ${Math.round(v.minAgeMs / 1000)} s)` };
      }
      return { action: 'remove', why: `lent by pool ${pool} to '${e.domain?.name ?? '?'}', which no longer runs: returned to the pool` };
    }
  }
}

function decideMember(e: LedgerEntry, dev: MdevDevice | undefined, v: PoolGcView): PoolDecision {
  const pool = e.pool!;
  const what = `member ${String(e.member)} of pool ${pool}`;
  const user = runningUserOf(v.running, e.uuid);
  if (e.domain) {
    const holder = findRunning(v.running, e.domain) ?? user;
    if (holder) return { action: 'keep', why: `${what}, held by running domain '${holder.name}'` };
    if (ageOf(v, e) < v.minAgeMs) return { action: 'keep', why: `${what}, held by '${e.domain.name}', which may still be starting` };
    return { action: 'unhold', why: `${what} was held by '${e.domain.name}', which no longer runs: free again` };
  }
  if (!dev) return { action: 'forget', why: `${what} no longer exists; it is made again` };
  const replaced = notOurDevice(e, dev);
  if (replaced) return { action: 'forget', why: replaced };
  if (user) return { action: 'keep', why: `${what}, used by running domain '${user.name}'` };
  switch (e.state) {
    case 'active': return { action: 'keep', why: `free ${what}` };
    case 'creating': return { action: 'activate', why: `an interrupted start or return created ${what}` };
    default:
      if (v.lent.has(key(pool, e.member))) return { action: 'undo-draw', why: `a draw was interrupted before it removed ${what}: free again` };
      return { action: 'remove', why: `finishing the removal of ${what} (${e.note ?? 'pool-destroy or pool-resize was interrupted'})` };
  }
}

export function decidePoolEntry(e: LedgerEntry, dev: MdevDevice | undefined, v: PoolGcView): PoolDecision {
  return isMemberEntry(e) ? decideMember(e, dev, v) : decideLent(e, dev, v);
}

/**
 * Pools that were started when gc began: any entry other than a member on its way out through
 * pool-destroy or pool-resize (those end the pool, or the members beyond its new size).
 */
export function startedPools(ledger: Ledger, v: PoolGcView): string[] {
  const out = new Set<string>();
  for (const e of ledger.devices) {
    if (e.pool === undefined) continue;
    const leaving = isMemberEntry(e) && (e.state === 'removing' || e.state === 'abandoned') && !v.lent.has(key(e.pool, e.member)) && !e.note?.startsWith('draw');
    if (!leaving) out.add(e.pool);
  }
  return [...out].sort();
}

export interface Refill {
  pool: string;
  member: number;
  uuid: string;
  parent?: string;
  type: string;
  /** created now, would be created (dry run), or cannot be created */
  outcome: 'recreated' | 'would-recreate' | 'missing';
  why: string;
  code?: ExitCodeValue;
}

function lookUp(root: HostRoot, name: string): PoolDefinition | string | undefined {
  try {
    return findPoolDefinition(root, name);
  } catch (e) {
    if (isVirtMdevError(e)) return e.message;
    throw e;
  }
}

/** Members of started pools that are missing, made again where capacity allows; the caller holds the lock. */
export async function refillPools(root: HostRoot, bus: MdevBus, txn: LedgerTxn, pools: string[], log: (a: string, f: Record<string, unknown>) => void): Promise<Refill[]> {
  const out: Refill[] = [];
  for (const name of pools) {
    const def = lookUp(root, name);
    if (def === undefined) continue; // undefined meanwhile: nothing to keep up
    if (typeof def === 'string') {
      out.push({ pool: name, member: -1, uuid: '-', type: '?', outcome: 'missing', why: def });
      continue;
    }
    const r = await fillPool({ bus, log }, txn, def);
    for (const p of [...r.created, ...r.taken]) {
      out.push({ pool: name, member: p.member, uuid: poolMemberUuid(name, p.member), parent: p.parent, type: def.type, outcome: 'recreated', why: `member ${p.member} of pool ${name} was missing` });
    }
    for (const m of r.missing) {
      out.push({ pool: name, member: m.member, uuid: poolMemberUuid(name, m.member), type: def.type, outcome: 'missing', why: `member ${m.member} of pool ${name} cannot be made now: ${m.reason}`, code: m.code });
    }
  }
  return out;
}

/** Dry run: the members a refill would make (missing or lost now). */
export function refillPreview(root: HostRoot, ledger: Ledger, devices: readonly MdevDevice[], running: RunningDomain[], pools: string[]): Refill[] {
  const out: Refill[] = [];
  for (const name of pools) {
    const def = lookUp(root, name);
    if (def === undefined || typeof def === 'string') continue;
    for (const m of poolStatus(def, ledger, { devices, running }).members) {
      if ((m.state === 'missing' || m.state === 'lost') && !m.surplus) {
        out.push({ pool: name, member: m.member, uuid: poolMemberUuid(name, m.member), type: def.type, outcome: 'would-recreate', why: `member ${m.member} of pool ${name} is ${m.state}` });
      }
    }
  }
  return out;
}
