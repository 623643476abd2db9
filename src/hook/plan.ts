// prepare's decisions as a pure function of one snapshot of the host: per hostdev what prepare will do
// (create on which parents, reuse, adopt, use or start an unmanaged device) or the exact error it
// fails with. The hook applies the managed part under the ledger lock; `virt-mdev check` prints it.
import { sameDomain, findEntry } from '../ledger/store.js';
import { findRunning, runningUserOf } from '../ledger/running.js';
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import type { MdevParent } from '../mdevbus/types.js';
import { ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import { domainLabel, type DomainMdevs, type ManagedDevice, type UnmanagedDevice } from './domain.js';
import { afterCreate, apiOf, checkApi, chooseParents } from './policy.js';
import { poolMemberUuid, type PoolDefinition } from '../pools/types.js';
import { unmanagedDefinition } from './defined.js';
import { checkPoolType, planDraw, type DrawMember } from './pool-draw.js';
import { deviceIn, type PrepareSnapshot } from './snapshot.js';
import { findParentByName } from '../nodedev/names.js';

export interface ManagedStep {
  m: ManagedDevice;
  /** "domain 'x' mdev hostdev #n (uuid)", the start of every message about this hostdev */
  what: string;
  action: 'create' | 'reuse' | 'adopt' | 'draw';
  type: string;
  /** create/draw: the first parent to try; reuse/adopt: where the device is */
  parent: string;
  /** create: every parent to try, in order (the kernel may refuse one that looked free) */
  candidates: string[];
  /** instances of the type left on `parent` when planned (create only) */
  left?: number;
  /** this domain takes over virt-mdev's ledger entry of a domain that no longer runs (from: that domain) */
  takeOver?: { from?: DomainRef };
  /** the ledger remembers a device of this domain that is gone: forget it before creating anew */
  dropStale?: boolean;
  /** draw: the pool, and its free members to try in order (the first is the plan's choice) */
  pool?: { def: PoolDefinition; free: number; members: DrawMember[] };
}

export interface MemberHold {
  /** the unmanaged hostdev naming a pool member's own UUID */
  n: number;
  uuid: string;
  pool: string;
  member: number;
}

export interface UnmanagedStep {
  u: UnmanagedDevice;
  what: string;
  /** use: the device exists; start: it is defined (mdevctl's store) and prepare starts it */
  action: 'use' | 'start';
  type: string;
  parent: string;
  deviceApi: string;
  /** start: the definition's file */
  definition?: string;
}

export type Planned<S> = { ok: true; step: S } | { ok: false; n: number; uuid: string; error: VirtMdevError };

export interface PreparePlan {
  domain: DomainRef;
  unmanaged: Array<Planned<UnmanagedStep>>;
  managed: Array<Planned<ManagedStep>>;
  /** pool members this domain's unmanaged hostdevs name: not free while it runs */
  holds: MemberHold[];
  /** what prepare fails with: the first error in prepare's order (unmanaged hostdevs first); none: it starts */
  error?: VirtMdevError;
}

const whatOf = (domain: DomainRef, n: number, uuid: string): string => `${domainLabel(domain)} mdev hostdev #${n} (${uuid})`;

/** A device of another domain's that is still being handed out or taken back is not free to take. */
function busyOwner(snap: PrepareSnapshot, e: LedgerEntry): string | undefined {
  if (e.state === 'removing' || e.state === 'abandoned') return `is still being removed for ${e.domain ? domainLabel(e.domain) : 'a stopped domain'} (${e.note ?? 'remove pending'}); retry later or run 'virt-mdev gc'`;
  if (e.pool !== undefined && e.domain === undefined) return `is member ${e.member ?? '?'} of pool ${e.pool}: ask for a device from the pool (pool='${e.pool}') instead of naming a member`;
  if (e.pool !== undefined) return `is lent by pool '${e.pool}' to ${domainLabel(e.domain!)}`;
  if (!e.domain) return undefined;
  if (findRunning(snap.running, e.domain)) return `belongs to running ${domainLabel(e.domain)}`;
  if (e.state === 'active' && snap.now - Date.parse(e.updatedAt) < snap.startGraceMs) {
    return `was prepared for ${domainLabel(e.domain)} moments ago and that domain is starting`;
  }
  return undefined;
}

/** errors of the bus (an unknown parent) do not know which domain and hostdev asked */
function aboutHostdev(e: unknown, what: string): unknown {
  if (isVirtMdevError(e) && !e.message.startsWith(what)) return new VirtMdevError(e.exitCode, e.reason, `${what}: ${e.message}`, { cause: e, details: e.details });
  return e;
}

interface Work {
  snap: PrepareSnapshot;
  domain: DomainRef;
  /** the snapshot's parents minus what this plan already creates */
  parents: MdevParent[];
  planned: Map<string, ManagedStep>;
  /** members this plan draws */
  drawn: Set<string>;
}

function planOne(w: Work, m: ManagedDevice): ManagedStep {
  const { snap, domain } = w;
  const what = whatOf(domain, m.n, m.uuid);
  const lookup = m.pool === undefined ? undefined : snap.pools.get(m.pool);
  // a pool's type is the pool's; a type in the request must agree
  if (lookup?.def) checkPoolType(lookup.def, m, what);
  const type = lookup?.def?.type ?? m.type;
  const twice = type === undefined ? undefined : w.planned.get(m.uuid);
  if (twice && twice.type === type) return { ...twice, m, what, action: 'reuse', candidates: [twice.parent], takeOver: undefined, dropStale: undefined };
  const user = runningUserOf(snap.running, m.uuid, domain);
  if (user) {
    throw new VirtMdevError(ExitCode.EXISTS, 'in-use',
      `${what}: UUID ${m.uuid} is in use by running ${domainLabel(user)}; give this hostdev another UUID (drop it and run 'virt-mdev transform') or stop '${user.name}'`);
  }
  const entry = findEntry(snap.ledger, m.uuid);
  let takeOver: { from?: DomainRef } | undefined;
  if (entry && !sameDomain(entry.domain, domain)) {
    const busy = busyOwner(snap, entry);
    if (busy) throw new VirtMdevError(ExitCode.EXISTS, 'in-use', `${what}: mdev ${m.uuid} ${busy}`);
    // ours, but left behind by a domain that no longer runs: this domain takes it over
    takeOver = { from: entry.domain };
  } else if (entry && (entry.state === 'removing' || entry.state === 'abandoned')) {
    throw new VirtMdevError(ExitCode.TIMEOUT, 'still-removing',
      `${what}: mdev ${m.uuid} from this domain's last run is still being removed (${entry.note ?? 'remove pending'}); make sure nothing holds it open, then run 'virt-mdev gc' and start again`);
  }
  const dev = deviceIn(snap, m.uuid);
  if (dev && type !== undefined) {
    if (dev.typeId !== type || (m.parent !== undefined && dev.parent !== m.parent)) {
      throw new VirtMdevError(ExitCode.EXISTS, 'exists-other',
        `${what}: mdev ${m.uuid} already exists as ${dev.typeId} on ${dev.parent}, but the domain asks for ${type}${m.parent ? ` on ${m.parent}` : ''}; remove that device (virt-mdev nodedev-destroy ${m.uuid}) or fix the request`);
    }
    const api = apiOf(snap.parents, dev.parent, dev.typeId);
    if (api !== m.model) checkApi({ id: dev.typeId, deviceApi: api ?? 'unknown' }, m.model, what, dev.parent);
    return { m, what, action: entry ? 'reuse' : 'adopt', type, parent: dev.parent, candidates: [dev.parent], takeOver };
  }
  if (m.pool !== undefined) {
    const d = planDraw({ ...snap, parents: w.parents }, lookup, { ...m, pool: m.pool }, what, w.drawn);
    const first = d.members[0];
    return {
      m, what, action: 'draw', type: d.def.type, parent: first.parent, candidates: [...new Set(d.members.map((x) => x.parent))],
      takeOver, dropStale: entry !== undefined, pool: { def: d.def, free: d.free, members: d.members },
    };
  }
  if (type === undefined) throw new Error(`internal: ${what} has neither a type nor a pool`);
  let candidates;
  try {
    candidates = chooseParents(w.parents, { type, parent: m.parent, model: m.model }, what, snap.rootDir);
  } catch (e) {
    throw aboutHostdev(e, what);
  }
  return {
    m, what, action: 'create', type, parent: candidates[0].parent, candidates: candidates.map((c) => c.parent),
    left: candidates[0].type.availableInstances, takeOver, dropStale: entry !== undefined,
  };
}

function planUnmanagedOne(w: Work, u: UnmanagedDevice): UnmanagedStep {
  const { snap, domain } = w;
  const what = whatOf(domain, u.n, u.uuid);
  const dev = deviceIn(snap, u.uuid);
  if (dev) {
    const api = apiOf(snap.parents, dev.parent, dev.typeId);
    if (api !== u.model) {
      throw new VirtMdevError(ExitCode.REFUSED, 'device-api',
        `${what}: the device is a ${dev.typeId} on ${dev.parent} with device_api '${api ?? 'unknown'}' but the hostdev has model='${u.model}'; set model='${api ?? '?'}' or assign a ${u.model} device`);
    }
    return { u, what, action: 'use', type: dev.typeId, parent: dev.parent, deviceApi: api };
  }
  // defined but stopped: prepare starts it (the same checks as the hook's)
  const def = unmanagedDefinition(w.parents, snap.store, u, what);
  const t = w.parents.find((p) => p.name === def.parent)!.types.find((x) => x.id === def.type)!;
  if (t.deviceApi !== u.model) {
    throw new VirtMdevError(ExitCode.REFUSED, 'device-api',
      `${what}: the device is defined (${def.file}) as a ${def.type} on ${def.parent} with device_api '${t.deviceApi}' but the hostdev has model='${u.model}'; set model='${t.deviceApi}' or assign a ${u.model} device`);
  }
  if (t.availableInstances <= 0) {
    // the kernel's refusal as the start would report it (its errno depends on the driver)
    throw new VirtMdevError(ExitCode.NO_CAPACITY, 'no-capacity',
      `${what}: cannot create mdev ${u.uuid} of type ${def.type} on parent ${def.parent}: no capacity left; free an instance or use another parent`);
  }
  w.parents = afterCreate(w.parents, def.parent, def.type);
  return { u, what, action: 'start', type: def.type, parent: def.parent, deviceApi: t.deviceApi, definition: def.file };
}

function attempt<S>(n: number, uuid: string, fn: () => S): Planned<S> {
  try {
    return { ok: true, step: fn() };
  } catch (e) {
    if (!isVirtMdevError(e)) throw e;
    return { ok: false, n, uuid, error: e };
  }
}

export interface PlanOptions {
  /** also plan the unmanaged hostdevs (prepare checks those before it takes the lock) */
  unmanaged?: boolean;
}

/**
 * The whole prepare of one domain over one snapshot. Every hostdev gets a verdict (a failed one
 * does not stop the others from being planned), and capacity one step takes is gone for the next.
 */
export function planPrepare(snap: PrepareSnapshot, d: DomainMdevs, o: PlanOptions = {}): PreparePlan {
  const w: Work = { snap, domain: d.domain, parents: snap.parents, planned: new Map(), drawn: new Set() };
  const unmanaged = o.unmanaged ? d.unmanaged.map((u) => attempt(u.n, u.uuid, () => planUnmanagedOne(w, u))) : [];
  // a parent named as libvirt names node devices (mtty_mtty, pci_0000_00_02_0) is the parent with that sysfs name
  const named = d.managed.map((m) => (m.parent === undefined ? m : { ...m, parent: findParentByName(snap.parents, m.parent)?.name ?? m.parent }));
  const managed = named.map((m) => attempt(m.n, m.uuid, () => {
    const step = planOne(w, m);
    if (step.action === 'create') w.parents = afterCreate(w.parents, step.parent, step.type);
    if (step.action === 'draw') w.drawn.add(step.pool!.members[0].uuid);
    w.planned.set(m.uuid, step);
    return step;
  }));
  const failed = [...unmanaged, ...managed].find((p) => !p.ok);
  return { domain: d.domain, unmanaged, managed, holds: memberHolds(snap, d), ...(failed && !failed.ok ? { error: failed.error } : {}) };
}

/**
 * Unmanaged hostdevs naming a pool member's own UUID: prepare records the member as held by the domain
 * (free, or held by a domain that no longer runs), so no draw takes it while the domain runs.
 */
function memberHolds(snap: PrepareSnapshot, d: DomainMdevs): MemberHold[] {
  const out: MemberHold[] = [];
  for (const u of d.unmanaged) {
    const e = findEntry(snap.ledger, u.uuid);
    if (!e || e.pool === undefined || e.member === undefined || e.state !== 'active' || e.uuid !== poolMemberUuid(e.pool, e.member)) continue;
    if (e.domain && (sameDomain(e.domain, d.domain) || findRunning(snap.running, e.domain))) continue;
    out.push({ n: u.n, uuid: u.uuid, pool: e.pool, member: e.member });
  }
  return out;
}

/** The managed steps of a plan that has no error. */
export function managedSteps(plan: PreparePlan): ManagedStep[] {
  return plan.managed.map((p) => {
    if (!p.ok) throw p.error;
    return p.step;
  });
}
