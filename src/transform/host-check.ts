// `transform --root` (and `validate` with a host root): the plan checked against what a host offers
// right now. Only warnings: the host may change before the domain starts, and neither command
// touches the host.
import type { HostRoot } from '../host/root.js';
import { readLedger } from '../ledger/store.js';
import type { MdevBus, MdevParent, MdevType } from '../mdevbus/types.js';
import { findParentByName } from '../nodedev/names.js';
import { resolvePoolParents } from '../pools/placement.js';
import { findPoolDefinition, listPoolDefinitions } from '../pools/store.js';
import type { PoolDefinition } from '../pools/types.js';
import type { PlannedDevice } from './transform.js';

/** A pool as the host has it: its definition and whether it runs, or why it cannot be read. */
export interface HostPool {
  def?: PoolDefinition;
  active?: boolean;
  error?: string;
  /** the pools this host defines, for the message when this one is not among them */
  known?: string[];
}

export type PoolLookup = (name: string) => HostPool;

/** Pools read from a host root (definitions under etc/virt-mdev/pools, active per the ledger). */
export function hostPools(root: HostRoot): PoolLookup {
  return (name) => {
    try {
      const def = findPoolDefinition(root, name);
      if (!def) return { known: listPoolDefinitions(root).pools.map((p) => p.name) };
      let active: boolean | undefined;
      try { active = readLedger(root).devices.some((e) => e.pool === name); } catch { /* unknown */ }
      return { def, active };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
}

function checkPool(d: PlannedDevice, pool: HostPool, parents: MdevParent[], warn: (m: string) => void): void {
  const name = d.pool!;
  if (pool.error) return warn(`pool '${name}' cannot be read on this host: ${pool.error}`);
  const def = pool.def;
  if (!def) {
    const known = pool.known ?? [];
    return warn(`pool '${name}' is not defined on this host (${known.length ? `pools: ${known.join(', ')}` : 'it defines no pools'}): the hook will refuse to start the domain until it is (virt-mdev pool-define FILE, virt-mdev pool-start ${name})`);
  }
  if (d.type !== undefined && d.type !== def.type) {
    warn(`the hostdev asks for type '${d.type}' from pool '${name}', whose members are ${def.type}: the hook will refuse to start it; drop the type or fix it`);
  }
  const apis = [...new Set(resolvePoolParents(parents, def).candidates.flatMap((p) => p.types.filter((t) => t.id === def.type).map((t) => t.deviceApi)))];
  if (apis.length > 0 && !apis.includes(d.model)) {
    warn(`pool '${name}' holds ${def.type} devices with device_api '${apis.join("', '")}' but the hostdev's model is '${d.model}' (guest address ${d.guestAddressType ?? 'none'}): the hook will refuse to start it`);
  }
  if (pool.active === false) warn(`pool '${name}' is defined but not started on this host: start it (virt-mdev pool-start ${name}) or mark it autostart`);
}

export function checkPlanAgainstHost(devices: PlannedDevice[], bus: MdevBus, file: string, pools?: PoolLookup): string[] {
  const warnings: string[] = [];
  const warn = (d: PlannedDevice, msg: string): void => { warnings.push(`${file}:${d.line}: ${msg}`); };
  const parents = bus.listParents();
  const byName = new Map(parents.map((p) => [p.name, p]));
  const offers = (typeId: string, only?: MdevParent): Array<{ parent: MdevParent; type: MdevType }> => {
    const out: Array<{ parent: MdevParent; type: MdevType }> = [];
    for (const p of only ? [only] : parents) {
      const t = p.types.find((x) => x.id === typeId);
      if (t) out.push({ parent: p, type: t });
    }
    return out;
  };
  // new devices the plan asks for, per type and per named parent, to compare with what is available
  const perType = new Map<string, { count: number; first: PlannedDevice; anyParent: boolean; parents: Set<string> }>();
  const perParent = new Map<string, { count: number; first: PlannedDevice; typeId: string; parent: string }>();
  for (const d of devices) {
    if (!d.managed) {
      const dev = bus.findDevice(d.uuid);
      if (!dev) {
        warn(d, `mdev ${d.uuid} does not exist on this host: libvirt will refuse to start the domain until it is created (or make the hostdev managed with <source><mdev type='…'/>)`);
        continue;
      }
      const t = byName.get(dev.parent)?.types.find((x) => x.id === dev.typeId);
      if (t && t.deviceApi !== d.model) {
        warn(d, `mdev ${d.uuid} (type ${dev.typeId} on ${dev.parent}) has device_api '${t.deviceApi}' but the hostdev's model is '${d.model}': libvirt will refuse to start the domain`);
      }
      continue;
    }
    if (d.pool !== undefined) {
      // the pool holds the capacity; its type comes from the pool (a request without one is valid)
      if (pools) checkPool(d, pools(d.pool), parents, (m) => warn(d, m));
      continue;
    }
    if (d.type === undefined) continue;
    let parent: MdevParent | undefined;
    if (d.parent !== undefined) {
      parent = findParentByName(parents, d.parent);
      if (!parent) {
        const names = parents.map((p) => p.name);
        warn(d, `parent '${d.parent}' is not an mdev parent on this host (${names.length ? `parents: ${names.join(', ')}` : 'the host has no mdev parents'})`);
        continue;
      }
    }
    const found = offers(d.type, parent);
    if (found.length === 0) {
      const where = parent ? `parent '${parent.name}'` : 'any parent on this host';
      const known = [...new Set((parent ? [parent] : parents).flatMap((p) => p.types.map((t) => t.id)))].sort();
      warn(d, `mdev type '${d.type}' is not offered by ${where}${known.length ? ` (types: ${known.join(', ')})` : ''}`);
      continue;
    }
    const apis = [...new Set(found.map((f) => f.type.deviceApi))];
    if (!apis.includes(d.model)) {
      warn(d, `mdev type '${d.type}' has device_api '${apis.join("', '")}' but the hostdev's model is '${d.model}' (guest address ${d.guestAddressType ?? 'none'}): the hook will refuse to start it`);
    }
    // an existing device with the planned UUID needs no capacity
    if (bus.findDevice(d.uuid)) continue;
    const tEntry = perType.get(d.type) ?? { count: 0, first: d, anyParent: false, parents: new Set<string>() };
    tEntry.count++;
    if (parent === undefined) tEntry.anyParent = true;
    else tEntry.parents.add(parent.name);
    perType.set(d.type, tEntry);
    if (parent !== undefined) {
      const key = `${d.type}\u0000${parent.name}`;
      const pEntry = perParent.get(key) ?? { count: 0, first: d, typeId: d.type, parent: parent.name };
      pEntry.count++;
      perParent.set(key, pEntry);
    }
  }

  const capacityWarned = new Set<string>();
  for (const e of perParent.values()) {
    const found = offers(e.typeId, byName.get(e.parent));
    const available = found.reduce((n, f) => n + f.type.availableInstances, 0);
    if (available < e.count) {
      capacityWarned.add(e.typeId);
      warn(e.first, `the domain needs ${e.count} new mdev(s) of type '${e.typeId}' on ${e.parent} but only ${available} can be created there now`);
    }
  }
  for (const [typeId, e] of perType) {
    if (capacityWarned.has(typeId)) continue;
    const found = e.anyParent ? offers(typeId) : offers(typeId).filter((f) => e.parents.has(f.parent.name));
    const available = found.reduce((n, f) => n + f.type.availableInstances, 0);
    if (available < e.count) {
      const per = found.map((f) => `${f.parent.name}: ${f.type.availableInstances}`).join(', ');
      warn(e.first, `the domain needs ${e.count} new mdev(s) of type '${typeId}' but only ${available} can be created now (${per})`);
    }
  }
  // in document order, as a person reads the file
  const lineOf = (w: string): number => Number(/^[^\n]*?:(\d+): /.exec(w.slice(file.length))?.[1] ?? 0);
  return warnings.sort((a, b) => lineOf(a) - lineOf(b));
}
