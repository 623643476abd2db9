// Deciding what autostart does with each definition, from one snapshot of the store and the bus.
// Pure: the caller reads the host, holds the ledger lock and applies the actions.
import type { MdevDefinition } from '../definitions/types.js';
import type { MdevDevice, MdevParent } from '../mdevbus/types.js';
import { ExitCode, type ExitCodeValue } from '../util/errors.js';

export interface BusSnapshot {
  parents: MdevParent[];
  devices: MdevDevice[];
}

export type AutostartAction =
  | { kind: 'start'; def: MdevDefinition }
  | { kind: 'already-active'; def: MdevDefinition; device: MdevDevice }
  /** the parent has not registered, or does not offer the type yet: vendor daemons and SR-IOV set-up are late */
  | { kind: 'wait'; def: MdevDefinition; for: 'parent' | 'type' }
  | { kind: 'fail'; def: MdevDefinition; exitCode: ExitCodeValue; reason: string; message: string }
  /** a second file for a definition that is started from its first file */
  | { kind: 'skip'; def: MdevDefinition; reason: string; message: string };

function describe(d: MdevDefinition): string {
  return `mdev ${d.uuid} (${d.type} on ${d.parent}, defined in ${d.file})`;
}

/** A device that is there with the definition's parent and type counts as started. */
function matches(dev: MdevDevice, d: MdevDefinition): boolean {
  // an empty type is the kernel's uevent race right after a create: no evidence against it
  return dev.parent === d.parent && (dev.typeId === d.type || dev.typeId === '');
}

function planOne(d: MdevDefinition, bus: BusSnapshot): AutostartAction {
  const dev = bus.devices.find((x) => x.uuid === d.uuid);
  if (dev) {
    if (matches(dev, d)) return { kind: 'already-active', def: d, device: dev };
    return { kind: 'fail', def: d, exitCode: ExitCode.EXISTS, reason: 'uuid-in-use',
      message: `cannot start ${describe(d)}: the UUID is in use by a ${dev.typeId || 'device'} on ${dev.parent}; remove that device or undefine this one` };
  }
  const parent = bus.parents.find((p) => p.name === d.parent);
  if (!parent) return { kind: 'wait', def: d, for: 'parent' };
  if (!parent.types.some((t) => t.id === d.type)) return { kind: 'wait', def: d, for: 'type' };
  return { kind: 'start', def: d };
}

/**
 * One UUID defined more than once (under two parents, or twice in one directory with different
 * contents) cannot be started as "the" definition: mdevctl refuses too ("Multiple definitions found").
 * The one already running, if any, counts; the others are reported.
 */
function planDuplicates(defs: MdevDefinition[], bus: BusSnapshot): AutostartAction[] {
  const same = defs.every((d) => d.parent === defs[0].parent && d.type === defs[0].type
    && JSON.stringify(d.attrs) === JSON.stringify(defs[0].attrs));
  // the same definition under a second file name (upper-case copy): start it once, from the canonical file
  if (same) {
    const first = defs.find((d) => d.file.endsWith(`/${d.uuid}`)) ?? defs[0];
    return [planOne(first, bus), ...defs.filter((d) => d !== first).map((d): AutostartAction => ({
      kind: 'skip', def: d, reason: 'duplicate-file',
      message: `${d.file} defines ${d.uuid} a second time (as ${first.file} does, which is started): remove the copy`,
    }))];
  }
  const where = defs.map((d) => d.file).join(', ');
  return defs.map((d): AutostartAction => {
    const dev = bus.devices.find((x) => x.uuid === d.uuid);
    if (dev && matches(dev, d)) return { kind: 'already-active', def: d, device: dev };
    return { kind: 'fail', def: d, exitCode: ExitCode.EXISTS, reason: 'defined-twice',
      message: `cannot start ${describe(d)}: the UUID is defined more than once (${where}); undefine all but one` };
  });
}

/** What to do with each auto definition (the caller has already picked which ones). */
export function planAutostart(defs: MdevDefinition[], bus: BusSnapshot): AutostartAction[] {
  const byUuid = new Map<string, MdevDefinition[]>();
  for (const d of defs) {
    const list = byUuid.get(d.uuid);
    if (list) list.push(d);
    else byUuid.set(d.uuid, [d]);
  }
  const out: AutostartAction[] = [];
  for (const list of byUuid.values()) out.push(...(list.length === 1 ? [planOne(list[0], bus)] : planDuplicates(list, bus)));
  return out;
}
