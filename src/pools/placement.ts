// Where a pool's members go, decided over one snapshot of the bus (bus.listParents()) without
// touching the host, so pool-start, pool-resize, gc and a pre-flight check all plan alike.
//
// Order: parents that already hold devices of the pool's type first, then the most instances left,
// ties by name; each parent is filled before the next. Packing matters on NVIDIA's time-sliced
// vGPUs: a GPU takes one type at a time (the others show available_instances 0 once one is in use),
// so spreading a pool over idle GPUs would lock every one of them to the pool's type. A parent whose
// type shows 0 left is never planned on; that is how the kernel says "not creatable anymore".
import type { MdevParent } from '../mdevbus/types.js';
import { findParentByName, parentNodedevName } from '../nodedev/names.js';
import type { PoolDefinition } from './types.js';

export interface PoolParents {
  /** the parents the pool may use, present on this host */
  candidates: MdevParent[];
  /** named parents that are not on this host (as written in the definition) */
  absent: string[];
}

/** The pool's named parents as found on the bus (either name form), or every parent offering its type. */
export function resolvePoolParents(parents: readonly MdevParent[], def: Pick<PoolDefinition, 'type' | 'parents'>): PoolParents {
  if (def.parents.length === 0) return { candidates: parents.filter((p) => p.types.some((t) => t.id === def.type)), absent: [] };
  const out: PoolParents = { candidates: [], absent: [] };
  for (const given of def.parents) {
    const p = findParentByName(parents, given);
    if (!p) out.absent.push(given);
    else if (!out.candidates.includes(p)) out.candidates.push(p);
  }
  return out;
}

export interface ParentOffer {
  /** sysfs name of the parent */
  parent: string;
  /** its node-device name */
  nodedev: string;
  offersType: boolean;
  /** available_instances of the type now */
  available: number;
  /** devices of the type that exist on it now */
  present: number;
}

export function offersOf(candidates: readonly MdevParent[], type: string): ParentOffer[] {
  return candidates.map((p) => {
    const t = p.types.find((x) => x.id === type);
    return { parent: p.name, nodedev: parentNodedevName(p), offersType: t !== undefined, available: t?.availableInstances ?? 0, present: t?.devices.length ?? 0 };
  });
}

/**
 * How many devices of the type these parents can hold at most: what is left plus what of that type
 * already exists. The kernel shows no "capacity with nothing else in use", so capacity that other
 * types hold now counts as not there.
 */
export function maxMembers(offers: readonly ParentOffer[]): number {
  return offers.reduce((n, o) => n + (o.offersType ? o.available + o.present : 0), 0);
}

/** "0000:41:00.0: 4 left (20 present), 0000:42:00.0: 0 left" for messages */
export function describeOffers(offers: readonly ParentOffer[], type: string, absent: readonly string[] = []): string {
  const parts = offers.map((o) => (o.offersType
    ? `${o.nodedev}: ${o.available} ${type} left${o.present ? ` (${o.present} present)` : ''}`
    : `${o.nodedev}: does not offer ${type}`));
  for (const a of absent) parts.push(`${a}: not on this host`);
  return parts.join(', ') || `no parent offers ${type}`;
}

export interface Placement {
  member: number;
  /** sysfs name of the parent */
  parent: string;
}

export interface PlacementPlan {
  placements: Placement[];
  /** members there is no capacity for, in ascending order */
  unplaced: number[];
  offers: ParentOffer[];
}

function byPreference(a: ParentOffer, b: ParentOffer): number {
  return Number(b.present > 0) - Number(a.present > 0) || b.available - a.available || (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : 0);
}

/** Which parent each member goes on (members in ascending order); pure and deterministic. */
export function planPlacement(candidates: readonly MdevParent[], type: string, members: readonly number[]): PlacementPlan {
  const offers = offersOf(candidates, type);
  const order = offers.filter((o) => o.offersType && o.available > 0).sort(byPreference);
  const todo = [...members].sort((a, b) => a - b);
  const placements: Placement[] = [];
  for (const o of order) {
    for (let room = o.available; room > 0 && todo.length > 0; room--) placements.push({ member: todo.shift()!, parent: o.parent });
  }
  return { placements, unplaced: todo, offers };
}
