// Starting a definition: what `nodedev-start`, boot autostart and the hook (for an unmanaged hostdev
// whose device is defined but stopped) all do. A device already there with the same parent and type
// counts as started; one with the UUID but another parent or type is someone else's and stays.
import type { HostRoot } from '../host/root.js';
import { createWithAttrs } from '../mdevbus/create-with-attrs.js';
import type { MdevBus, MdevDevice } from '../mdevbus/types.js';
import { refusePoolMemberUuid } from '../pools/reserved.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import type { MdevDefinition } from './types.js';

export type StartOutcome = { state: 'started' | 'already-active'; device: MdevDevice };

/** Start one definition; the caller holds the ledger lock. Errors name the definition and what to do. */
export async function startDefinition(root: HostRoot, bus: MdevBus, def: MdevDefinition): Promise<StartOutcome> {
  const what = `mdev ${def.uuid} (${def.type} on ${def.parent}, defined in ${def.file})`;
  refusePoolMemberUuid(root, def.uuid, `cannot start ${what}`);
  const existing = bus.findDevice(def.uuid);
  if (existing) {
    if (existing.parent === def.parent && (existing.typeId === def.type || existing.typeId === '')) return { state: 'already-active', device: existing };
    throw new VirtMdevError(ExitCode.EXISTS, 'uuid-in-use',
      `cannot start ${what}: the UUID is in use by a ${existing.typeId} on ${existing.parent}; remove that device or undefine this one`);
  }
  const parent = bus.listParents().find((p) => p.name === def.parent);
  if (!parent) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'parent-absent',
      `cannot start ${what}: parent ${def.parent} is not registered for mdev support (is its vendor driver loaded and bound?)`);
  }
  if (!parent.types.some((t) => t.id === def.type)) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `cannot start ${what}: parent ${def.parent} does not offer type ${def.type} (it offers ${parent.types.map((t) => t.id).join(', ') || 'none yet'})`);
  }
  try {
    return { state: 'started', device: await createWithAttrs(root, bus, def.parent, def.type, def.uuid, def.attrs) };
  } catch (e) {
    if (e instanceof VirtMdevError && !e.message.includes(def.uuid)) {
      throw new VirtMdevError(e.exitCode, e.reason, `cannot start ${what}: ${e.message}`, { cause: e, details: e.details });
    }
    throw e;
  }
}
