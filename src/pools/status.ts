// A pool's state, derived (never stored apart): the definition says what should exist, the ledger
// what virt-mdev made for the pool, the bus what exists, libvirt's status files which domains run.
// A pool is active while the ledger holds entries of it.
import { runningUserOf, type RunningDomain } from '../ledger/running.js';
import { notOurDevice } from '../ledger/store.js';
import type { DomainRef, Ledger, LedgerEntry } from '../ledger/types.js';
import type { MdevDevice } from '../mdevbus/types.js';
import { poolMemberUuid, type PoolDefinition } from './types.js';

export type MemberState =
  /** exists with the member's UUID, nobody uses it */
  | 'free'
  /** handed to a domain (ledger entry with a domain), or named by a running domain's unmanaged hostdev */
  | 'lent'
  /** a create was recorded and not confirmed (a start was interrupted) */
  | 'creating'
  /** a remove is under way or was abandoned */
  | 'removing'
  /** recorded as free but its device is gone or is no longer ours (taken by another tool) */
  | 'lost'
  /** no record at all: the pool is not started, or this member could not be created */
  | 'missing';

export interface MemberStatus {
  member: number;
  /** the member's own UUID, or for a lent member the UUID of the domain's device standing in for it */
  uuid: string;
  /** sysfs name of the parent, when the member exists */
  parent?: string;
  state: MemberState;
  domain?: DomainRef;
  /** the member's index is not below the pool's size (left over from an interrupted shrink) */
  surplus?: boolean;
}

export interface PoolStatus {
  name: string;
  type: string;
  size: number;
  parents: string[];
  autostart: boolean;
  active: boolean;
  members: MemberStatus[];
  free: number;
  lent: number;
  missing: number;
  /** names of the domains members are lent to, sorted, each once */
  lentTo: string[];
}

/** The ledger entries of one pool. */
export function poolEntries(ledger: Ledger, pool: string): LedgerEntry[] {
  return ledger.devices.filter((e) => e.pool === pool);
}

export interface StatusInputs {
  autostart?: boolean;
  /** every mdev on the host (bus.listDevices()); without it a recorded free member counts as present */
  devices?: readonly MdevDevice[];
  running?: RunningDomain[];
}

function memberOf(e: LedgerEntry, k: number, size: number, inputs: StatusInputs): MemberStatus {
  const m: MemberStatus = { member: k, uuid: e.uuid, parent: e.parent, state: 'free' };
  if (k >= size) m.surplus = true;
  if (e.domain) return { ...m, state: 'lent', domain: e.domain };
  if (e.state === 'creating') return { ...m, state: 'creating' };
  if (e.state === 'removing' || e.state === 'abandoned') return { ...m, state: 'removing' };
  const user = inputs.running ? runningUserOf(inputs.running, e.uuid) : undefined;
  if (user) return { ...m, state: 'lent', domain: { name: user.name, ...(user.uuid ? { uuid: user.uuid } : {}) } };
  if (inputs.devices) {
    const dev = inputs.devices.find((d) => d.uuid === e.uuid);
    if (!dev || notOurDevice(e, dev)) return { ...m, state: 'lost' };
  }
  return m;
}

export function poolStatus(def: PoolDefinition, ledger: Ledger, inputs: StatusInputs = {}): PoolStatus {
  const entries = poolEntries(ledger, def.name);
  const members: MemberStatus[] = [];
  for (const e of entries) members.push(memberOf(e, e.member ?? -1, def.size, inputs));
  for (let k = 0; k < def.size; k++) {
    if (!entries.some((e) => e.member === k)) members.push({ member: k, uuid: poolMemberUuid(def.name, k), state: 'missing' });
  }
  members.sort((a, b) => a.member - b.member || (a.uuid < b.uuid ? -1 : 1));
  const count = (s: MemberState): number => members.filter((m) => m.state === s).length;
  return {
    name: def.name,
    type: def.type,
    size: def.size,
    parents: [...def.parents],
    autostart: inputs.autostart ?? false,
    active: entries.length > 0,
    members,
    free: count('free'),
    lent: count('lent'),
    missing: count('missing') + count('lost'),
    lentTo: [...new Set(members.filter((m) => m.state === 'lent').map((m) => m.domain!.name))].sort(),
  };
}
