// available_instances as each kind of driver computes it, from the devices a parent currently has.
import type { SimParentDef } from './profiles.js';

/** devices per type id on one parent */
export type Usage = Map<string, number>;

export function usedUnits(parent: SimParentDef, usage: Usage): number {
  let used = 0;
  for (const t of parent.types) used += (usage.get(t.id) ?? 0) * (parent.accounting === 'core' ? 1 : t.cost);
  return used;
}

export function availableInstances(parent: SimParentDef, typeId: string, usage: Usage): number {
  const t = parent.types.find((x) => x.id === typeId);
  if (!t) return 0;
  const free = Math.max(0, parent.budget - usedUnits(parent, usage));
  // the 6.1+ core counter is one number per parent, shown for every type
  if (parent.accounting === 'core') return free;
  if (parent.exclusiveTypes) {
    for (const [other, n] of usage) if (other !== typeId && n > 0) return 0;
  }
  return Math.floor(free / t.cost);
}
