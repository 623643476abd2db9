// What pool-define and pool-resize check against the host before writing anything. As libvirt
// refuses a node device whose parent it does not know at define time, a pool must name parents and
// a type this host has, and a size the parents could hold at all.
import type { MdevParent } from '../mdevbus/types.js';
import { parentNodedevName } from '../nodedev/names.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { describeOffers, maxMembers, offersOf, resolvePoolParents } from './placement.js';
import type { PoolDefinition } from './types.js';

function parentList(parents: readonly MdevParent[]): string {
  if (parents.length === 0) return 'this host has no mdev parents (no /sys/class/mdev_bus entries: is the vendor driver loaded?)';
  return 'the parents on this host are ' + parents.map((p) => `${parentNodedevName(p)} (${p.name})`).sort().join(', ');
}

/** The pool's parents and type exist here (NOT_FOUND otherwise); returns the parents it would use. */
export function checkPoolParents(def: PoolDefinition, parents: readonly MdevParent[], source: string): MdevParent[] {
  const { candidates, absent } = resolvePoolParents(parents, def);
  if (absent.length > 0) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-parent', `${source}: <parent> names no mdev parent '${absent[0]}': ${parentList(parents)}`);
  }
  if (def.parents.length === 0 && candidates.length === 0) {
    const all = [...new Set(parents.flatMap((p) => p.types.map((t) => t.id)))].sort();
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${source}: no parent on this host offers mdev type '${def.type}' (types here: ${all.join(', ') || 'none, no mdev parent is registered'}); fix <type id> or load the vendor driver`);
  }
  const without = candidates.find((p) => !p.types.some((t) => t.id === def.type));
  if (without) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${source}: parent ${parentNodedevName(without)} has no mdev type '${def.type}': it offers ${without.types.map((t) => t.id).join(', ') || 'no types'}`);
  }
  return candidates;
}

/** The size is at most what the parents can ever hold (available plus present of the type): NO_CAPACITY otherwise. */
export function checkPoolFits(def: PoolDefinition, candidates: readonly MdevParent[], source: string): void {
  const offers = offersOf(candidates, def.type);
  const most = maxMembers(offers);
  if (def.size > most) {
    throw new VirtMdevError(ExitCode.NO_CAPACITY, 'pool-too-big',
      `${source}: pool '${def.name}' asks for ${def.size} members of ${def.type} but its parents can hold at most ${most} (${describeOffers(offers, def.type)}); lower <size> or free capacity that other types hold`);
  }
}
