// Deciding, from one snapshot of the bus, which autostart pools a run concerns and whether a pool that
// is not complete yet should wait. Pure: the pools phase holds the lock, fills and applies.
import type { MdevParent } from '../mdevbus/types.js';
import { findParentByName, parentNodedevName } from '../nodedev/names.js';
import type { FillReport, PoolDefinition } from '../pools/index.js';
import type { Late } from './types.js';

/** Whether a pool names this parent (kernel name), in either of the spellings a pool definition allows. */
function namesParent(def: PoolDefinition, parent: string, bus: readonly MdevParent[]): boolean {
  const onBus = bus.find((p) => p.name === parent);
  // not registered (yet): its node-device name as its address says it (pci_…, css_…, ap_matrix)
  const nodedev = parentNodedevName(onBus ?? { name: parent, sysfsPath: '' });
  return def.parents.some((g) => g === parent || g === nodedev || findParentByName(bus, g)?.name === parent);
}

/**
 * `autostart --parent P` concerns only pools that may place members on P: pools that name P, and pools
 * that name no parent when P offers their type. While P has not registered or offers no types at all
 * (its vendor daemon is late), that cannot be told yet: the pool waits for P.
 */
export function poolConcerns(def: PoolDefinition, only: readonly string[] | undefined, bus: readonly MdevParent[]): true | false | Late {
  if (!only) return true;
  let late: Late | false = false;
  for (const parent of only) {
    if (def.parents.length > 0) {
      if (namesParent(def, parent, bus)) return true;
      continue;
    }
    const p = bus.find((x) => x.name === parent);
    if (!p) late ||= { for: 'parent', parent };
    else if (p.types.some((t) => t.id === def.type)) return true;
    else if (p.types.length === 0) late ||= { for: 'type', parent };
  }
  return late;
}

/**
 * What a pool that is not complete could still get by waiting: a named parent that has not registered,
 * a named parent that does not offer the type yet, or (no parent named) any parent offering the type.
 * undefined: every parent the pool may use is there with its type, and what is missing is capacity
 * (or a UUID in use): waiting would not help.
 */
export function poolLate(def: PoolDefinition, fill: Pick<FillReport, 'offers' | 'absent'>): Late | undefined {
  if (fill.absent.length > 0) return { for: 'parent', parent: fill.absent[0] };
  const without = fill.offers.find((o) => !o.offersType);
  if (without) return { for: 'type', parent: without.parent };
  if (def.parents.length === 0 && fill.offers.length === 0) return { for: 'type' };
  return undefined;
}
