// Where a managed device goes: the parent the domain names, else the parent with the most instances
// of the type left, ties broken by name so that the same host state always gives the same answer.
// The type's device_api must fit the guest model before anything is created. Pure: decided over the
// parents of one snapshot (bus.listParents()), so the hook and `virt-mdev check` answer alike.
import { noParentError } from '../mdevbus/bus.js';
import type { MdevBus, MdevParent, MdevType } from '../mdevbus/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';

export interface Candidate {
  parent: string;
  type: MdevType;
}

function offers(parents: MdevParent[], typeId: string): string {
  const list = parents.flatMap((p) => p.types.filter((t) => t.id === typeId).map((t) => `${p.name}: ${t.availableInstances} left`));
  return list.length ? list.join(', ') : 'no parent offers it';
}

/** Ordered parents to try; throws NOT_FOUND / REFUSED / NO_CAPACITY with what to do. */
export function chooseParents(parents: MdevParent[], req: { type: string; parent?: string; model: string }, what: string, rootDir: string): Candidate[] {
  if (req.parent !== undefined) {
    const p = parents.find((x) => x.name === req.parent);
    if (!p) throw noParentError(req.parent, parents.map((x) => x.name), rootDir);
    const t = p.types.find((x) => x.id === req.type);
    if (!t) {
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
        `${what}: parent ${p.name} has no mdev type '${req.type}' (it offers: ${p.types.map((x) => x.id).join(', ') || 'none'}); fix the type or parent in the domain's virt-mdev metadata`);
    }
    checkApi(t, req.model, what, p.name);
    if (t.availableInstances <= 0) {
      const why = typesExcludeEachOther(p) ? ' (an NVIDIA GPU hosts one vGPU type at a time)' : '';
      throw new VirtMdevError(ExitCode.NO_CAPACITY, 'no-capacity',
        `${what}: no capacity: parent ${p.name} has no ${req.type} instance left${why}; stop a domain that uses one, or drop parent='${p.name}' so another parent can be chosen`);
    }
    return [{ parent: p.name, type: t }];
  }
  const withType = parents.flatMap((p) => p.types.filter((t) => t.id === req.type).map((t) => ({ parent: p.name, type: t })));
  if (withType.length === 0) {
    const all = [...new Set(parents.flatMap((p) => p.types.map((t) => t.id)))].sort();
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${what}: no parent on this host offers mdev type '${req.type}' (types here: ${all.join(', ') || 'none, no mdev parent is registered'}); load the vendor driver or fix the type`);
  }
  const fitting = withType.filter((c) => c.type.deviceApi === req.model);
  if (fitting.length === 0) checkApi(withType[0].type, req.model, what, withType[0].parent);
  const ordered = fitting
    .filter((c) => c.type.availableInstances > 0)
    .sort((a, b) => b.type.availableInstances - a.type.availableInstances || (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : 0));
  if (ordered.length === 0) throw noCapacity(what, req.type, parents);
  return ordered;
}

export function noCapacity(what: string, typeId: string, parents: MdevParent[]): VirtMdevError {
  return new VirtMdevError(ExitCode.NO_CAPACITY, 'no-capacity',
    `${what}: no capacity: no parent has an mdev of type ${typeId} left (${offers(parents, typeId)}); stop a domain that uses ${typeId}, or ask for another type`);
}

export function checkApi(t: Pick<MdevType, 'id' | 'deviceApi'>, model: string, what: string, parent: string): void {
  if (t.deviceApi !== model) {
    throw new VirtMdevError(ExitCode.REFUSED, 'device-api',
      `${what}: mdev type ${t.id} on ${parent} has device_api '${t.deviceApi}' but the hostdev has model='${model}'; set model='${t.deviceApi}' or pick a ${model} type`);
  }
}

/** device_api of a type in a snapshot's parents, or undefined when that parent or type is not there */
export function apiOf(parents: MdevParent[], parent: string, typeId: string): string | undefined {
  return parents.find((p) => p.name === parent)?.types.find((t) => t.id === typeId)?.deviceApi;
}

/** device_api of an existing device's type, or undefined when its parent or type vanished meanwhile */
export function deviceApiOf(bus: MdevBus, parent: string, typeId: string): string | undefined {
  try {
    return bus.getParent(parent).types.find((t) => t.id === typeId)?.deviceApi;
  } catch {
    return undefined;
  }
}

/**
 * NVIDIA's vGPU driver lets a GPU (or an SR-IOV VF) host one vGPU type at a time: once a device
 * exists, its other types read 0 available_instances and a create of one fails EINVAL. Mixed-size
 * mode of newer drivers lifts that; planning as if it were off only costs a placement elsewhere.
 */
function typesExcludeEachOther(p: MdevParent): boolean {
  return p.driver === 'nvidia';
}

/**
 * A snapshot's parents after one more instance of typeId on parent: that type has one fewer left, and
 * the parent's other types shrink in proportion, as they do when types share one budget (mtty,
 * GVT-g, the kernel's per-parent counter), or drop to none where types exclude each other (NVIDIA),
 * so that a plan of several devices sees what the kernel will say to each create.
 */
export function afterCreate(parents: MdevParent[], parent: string, typeId: string): MdevParent[] {
  return parents.map((p) => {
    if (p.name !== parent) return p;
    const used = p.types.find((t) => t.id === typeId);
    if (!used || used.availableInstances <= 0) return p;
    const left = used.availableInstances;
    const exclusive = typesExcludeEachOther(p);
    return {
      ...p,
      types: p.types.map((t) => ({
        ...t,
        availableInstances: t.id === typeId ? left - 1 : exclusive ? 0 : Math.floor((t.availableInstances * (left - 1)) / left),
      })),
    };
  });
}
