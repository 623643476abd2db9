// An unmanaged hostdev whose device is defined in mdevctl's store but not started (after a reboot
// without autostart, a parent that registered late, a definition made by hand): libvirt would fail
// the VM with "mediated device … not found", so prepare starts the definition. The device is the
// admin's persistent device, not ours: nothing goes into the ledger, and release leaves it running.
import { definitionsOfUuid, onlyDefinition } from '../definitions/lookup.js';
import { startDefinition } from '../definitions/start.js';
import type { MdevDefinition, StoreSnapshot } from '../definitions/types.js';
import type { MdevParent } from '../mdevbus/types.js';
import { withLedgerLock } from '../ledger/store.js';
import { ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import type { HookContext } from './context.js';
import type { UnmanagedDevice } from './domain.js';

export interface DefinedStart { u: UnmanagedDevice; def: MdevDefinition; what: string }

function prefixed(e: unknown, what: string): unknown {
  if (!isVirtMdevError(e) || e.message.startsWith(what)) return e;
  return new VirtMdevError(e.exitCode, e.reason, `${what}: ${e.message}`, { cause: e, details: e.details });
}

/**
 * The definition to start for an unmanaged hostdev whose device does not exist: exactly one, whose
 * parent is registered (among `parents`, one look at the bus) and offers its type. Throws with what
 * to do otherwise. Pure, so that `virt-mdev check` plans with it too.
 */
export function unmanagedDefinition(parents: MdevParent[], snap: StoreSnapshot, u: UnmanagedDevice, what: string): MdevDefinition {
  let def: MdevDefinition | undefined;
  try {
    def = onlyDefinition(definitionsOfUuid(snap, u.uuid), u.uuid,
      'the device does not exist and virt-mdev cannot tell which one to start; undefine all but one (virt-mdev nodedev-undefine mdev_<uuid>_<parent>)');
  } catch (e) {
    throw prefixed(e, what);
  }
  if (!def) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-device',
      `${what}: mediated device ${u.uuid} does not exist on this host; create it first (virt-mdev nodedev-create, mdevctl start), define it (virt-mdev nodedev-define: prepare starts a defined device), or let virt-mdev manage it: managed='yes' and 'virt-mdev transform'`);
  }
  const d = def;
  const parent = parents.find((p) => p.name === d.parent);
  if (!parent) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'parent-absent',
      `${what}: mediated device ${u.uuid} does not exist; it is defined (${d.file}) on parent ${d.parent}, which is not registered for mdev support now (is its vendor driver loaded and bound?)`);
  }
  if (!parent.types.some((t) => t.id === d.type)) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${what}: mediated device ${u.uuid} does not exist; it is defined (${d.file}) as ${d.type}, which parent ${d.parent} does not offer (it offers ${parent.types.map((t) => t.id).join(', ') || 'none yet'})`);
  }
  return d;
}

/** Start the definitions under the ledger lock; one that someone started meanwhile counts as started. */
export async function startDefinedDevices(ctx: HookContext, starts: DefinedStart[]): Promise<void> {
  if (starts.length === 0) return;
  await withLedgerLock(ctx.root, async () => {
    for (const s of starts) {
      let state: string;
      try {
        state = (await startDefinition(ctx.root, ctx.bus, s.def)).state;
      } catch (e) {
        ctx.log.log('start-defined-failed', { uuid: s.u.uuid, parent: s.def.parent, type: s.def.type, file: s.def.file, hostdev: s.u.n, message: (e as Error).message });
        throw prefixed(e, s.what);
      }
      ctx.log.log('start-defined', { uuid: s.u.uuid, parent: s.def.parent, type: s.def.type, file: s.def.file, hostdev: s.u.n, state });
    }
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
}
