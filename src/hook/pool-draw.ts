// Drawing from a pool, decided over a snapshot: which free members a managed hostdev asking for
// pool='P' may take, in order, or the error prepare fails with ("pool P: 0 of 8 free (lent to …)").
// A member is free when its own device exists as virt-mdev created it, no domain holds it and no
// running domain names it (an unmanaged hostdev may name a member).
import { runningUserOf, type RunningDomain } from '../ledger/running.js';
import { notOurDevice } from '../ledger/store.js';
import type { Ledger } from '../ledger/types.js';
import type { MdevDevice, MdevParent } from '../mdevbus/types.js';
import { poolStatus } from '../pools/status.js';
import { poolMemberUuid, type PoolDefinition } from '../pools/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { checkApi } from './policy.js';
import type { PoolLookup } from './snapshot.js';

export interface DrawMember {
  member: number;
  /** the member's own UUID (removed by the draw) */
  uuid: string;
  /** sysfs name of its parent: the domain's device is created there */
  parent: string;
}

export interface HostView {
  ledger: Ledger;
  devices: readonly MdevDevice[];
  running: RunningDomain[];
}

/** Free members of a pool, lowest member first. */
export function freeMembers(view: HostView, def: PoolDefinition): DrawMember[] {
  const out: DrawMember[] = [];
  for (const e of view.ledger.devices) {
    if (e.pool !== def.name || e.member === undefined || e.domain !== undefined || e.state !== 'active') continue;
    if (e.member >= def.size || e.uuid !== poolMemberUuid(def.name, e.member)) continue;
    const dev = view.devices.find((d) => d.uuid === e.uuid);
    if (!dev || notOurDevice(e, dev) || runningUserOf(view.running, e.uuid)) continue;
    out.push({ member: e.member, uuid: e.uuid, parent: e.parent });
  }
  return out.sort((a, b) => a.member - b.member);
}

const MAX_NAMES = 10;

/** "pool vdi: 0 of 8 free (lent to a, b, …)" and what else keeps members from being free */
export function exhausted(what: string, view: HostView, def: PoolDefinition, o: { free: number; drawnHere: number; parent?: string }): VirtMdevError {
  const st = poolStatus(def, view.ledger, { devices: view.devices, running: view.running });
  const names = st.lentTo.length > MAX_NAMES ? [...st.lentTo.slice(0, MAX_NAMES), '…'] : st.lentTo;
  const why = [
    names.length ? `lent to ${names.join(', ')}` : '',
    o.drawnHere ? `${o.drawnHere} drawn for this domain's other hostdevs` : '',
    st.missing ? `${st.missing} missing: 'virt-mdev gc' re-creates them once capacity returns` : '',
  ].filter(Boolean).join('; ');
  return new VirtMdevError(ExitCode.NO_CAPACITY, 'pool-exhausted',
    `${what}: pool ${def.name}: ${o.free} of ${def.size} free${o.parent ? ` on ${o.parent}` : ''}${why ? ` (${why})` : ''}; stop a domain that uses the pool or grow it (virt-mdev pool-resize ${def.name} N)`);
}

/** A request may repeat the pool's type, never name another. */
export function checkPoolType(def: PoolDefinition, m: { type?: string }, what: string): void {
  if (m.type !== undefined && m.type !== def.type) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'pool-type',
      `${what}: asks for type ${m.type} from pool ${def.name}, whose members are ${def.type}; drop type='${m.type}' from its virt-mdev metadata or draw from another pool`);
  }
}

export interface DrawPlan {
  def: PoolDefinition;
  /** members to try, in order: the first is the plan's choice, the rest are taken if the kernel refuses it */
  members: DrawMember[];
  /** free members when planned, before this hostdev's draw */
  free: number;
}

/**
 * The draw of one hostdev. `taken` holds the member UUIDs this domain's earlier hostdevs draw;
 * throws what prepare fails with.
 */
export function planDraw(view: HostView & { parents: MdevParent[] }, lookup: PoolLookup | undefined, m: { pool: string; type?: string; parent?: string; model: string }, what: string, taken: ReadonlySet<string>): DrawPlan {
  if (lookup?.error) throw new VirtMdevError(lookup.error.exitCode, lookup.error.reason, `${what}: ${lookup.error.message}`, { cause: lookup.error });
  const def = lookup?.def;
  if (!def) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-pool',
      `${what}: asks for a device from pool ${m.pool}, which is not defined on this host; define and start it (virt-mdev pool-define FILE, virt-mdev pool-start ${m.pool})`);
  }
  checkPoolType(def, m, what);
  if (!view.ledger.devices.some((e) => e.pool === def.name)) {
    throw new VirtMdevError(ExitCode.FAILURE, 'pool-inactive',
      `${what}: pool ${def.name} is not started on this host; start it (virt-mdev pool-start ${def.name}) or have it started at boot (virt-mdev pool-autostart ${def.name})`);
  }
  const all = freeMembers(view, def).filter((f) => m.parent === undefined || f.parent === m.parent);
  const members = all.filter((f) => !taken.has(f.uuid));
  // the guest sees the type's device_api: check it on a member's parent, or any parent offering the type
  const apiAt = members[0]?.parent ?? view.parents.find((p) => p.types.some((t) => t.id === def.type))?.name;
  const t = view.parents.find((p) => p.name === apiAt)?.types.find((x) => x.id === def.type);
  if (t && apiAt) checkApi(t, m.model, what, apiAt);
  if (members.length === 0) throw exhausted(what, view, def, { free: 0, drawnHere: all.length, parent: m.parent });
  return { def, members, free: members.length };
}
