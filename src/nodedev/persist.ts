// nodedev-define, -undefine, -start and -autostart: persistent mdevs in mdevctl's store, as libvirt
// 9.0's node-device driver offers them over mdevctl. Each reads the store and the bus and changes them
// under the ledger lock (one lock for everything virt-mdev changes), so two of these, a hook and a boot
// autostart never decide on the same state at once.
import * as crypto from 'node:crypto';
import { checkDefinitionAttrName } from '../definitions/file-format.js';
import { definitionsOfUuid, onlyDefinition } from '../definitions/lookup.js';
import { startDefinition } from '../definitions/start.js';
import { readStore, removeDefinition, writeDefinition } from '../definitions/store.js';
import type { MdevDefinition, StartMode } from '../definitions/types.js';
import type { HostRoot } from '../host/root.js';
import { withLedgerLock } from '../ledger/store.js';
import type { MdevBus } from '../mdevbus/types.js';
import { refusePoolMemberUuid } from '../pools/reserved.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { requestParent, requestType } from './create.js';
import { inactiveNode, markDefined } from './defined.js';
import { mdevNode } from './collect.js';
import { findNodedev } from './lookup.js';
import type { MdevNode, NodeDevice } from './model.js';
import { ROOT_NODEDEV, childNodedevName, parentNodedevName, parseNameArg, sanitizeNamePart } from './names.js';
import type { MdevCreateRequest } from './parse.js';

export interface DefineResult { device: MdevNode; generatedUuid: boolean; updated: boolean; file: string }

/** The node device a definition stands for now: the running device, or an inactive one. */
function definedNode(bus: MdevBus, def: MdevDefinition): MdevNode {
  const parent = bus.listParents().find((p) => p.name === def.parent);
  const parentName = parent ? parentNodedevName(parent) : undefined;
  const dev = bus.findDevice(def.uuid);
  if (!dev || dev.parent !== def.parent) return inactiveNode(def, parentName);
  const node = mdevNode(dev, parentName ?? ROOT_NODEDEV);
  markDefined(node, def);
  return node;
}

/**
 * Define (or update) a device from node-device XML. The parent must be registered now and offer the
 * type (as libvirt requires); a missing UUID is generated; an existing definition of the UUID on the
 * same parent is updated (its start mode and unknown keys kept), one on another parent is refused,
 * and a running device keeps its parent and type.
 */
export async function defineNodedev(root: HostRoot, bus: MdevBus, req: MdevCreateRequest, source: string): Promise<DefineResult> {
  const parent = requestParent(bus, req, source);
  const type = requestType(parent, req.typeId, source);
  const attrs = req.attrs.map((a) => ({ name: checkDefinitionAttrName(a.name, source), value: a.value }));
  const generatedUuid = req.uuid === undefined;
  const uuid = req.uuid ?? crypto.randomUUID();
  return withLedgerLock(root, () => {
    // a definition would let mdevctl or autostart make a member the pool must be able to make
    if (!generatedUuid) refusePoolMemberUuid(root, uuid, source);
    const defs = definitionsOfUuid(readStore(root), uuid);
    const elsewhere = defs.find((d) => d.parent !== parent.name);
    if (elsewhere) {
      throw new VirtMdevError(ExitCode.EXISTS, 'defined-elsewhere',
        `${source}: mdev ${uuid} is already defined under parent ${elsewhere.parent} (${elsewhere.file}): undefine it there first, or leave <uuid> out to get a new one`);
    }
    const dev = bus.findDevice(uuid);
    if (dev && (dev.parent !== parent.name || (dev.typeId !== '' && dev.typeId !== type.id))) {
      throw new VirtMdevError(ExitCode.EXISTS, 'running-other-type',
        `${source}: mdev ${uuid} is running as a ${dev.typeId} on ${dev.parent}; a definition cannot change a running device's type or parent: destroy it first (virt-mdev nodedev-destroy ${uuid}) or use another UUID`);
    }
    const existing = defs[0];
    const def = writeDefinition(root, {
      uuid, parent: parent.name, type: type.id, attrs,
      start: existing?.start ?? 'manual', extra: existing?.extra ?? {},
    });
    return { device: definedNode(bus, def), generatedUuid, updated: existing !== undefined, file: def.file };
  });
}

/** What a NAME|UUID argument of a persistence command means: a UUID, maybe on one parent. */
interface MdevTarget { uuid: string; parentMatches: (parent: string) => boolean; label: string }

function mdevTarget(devices: NodeDevice[], arg: string): MdevTarget {
  const q = parseNameArg(arg);
  if (q.kind === 'uuid') {
    const suffix = q.parentSuffix?.toLowerCase();
    return { uuid: q.uuid, label: arg, parentMatches: (p) => suffix === undefined || sanitizeNamePart(p).toLowerCase() === suffix };
  }
  const d = findNodedev(devices, arg);
  if (!d) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-nodedev', `no node device '${printable(arg)}' on this host: see 'virt-mdev nodedev-list --all'`);
  }
  if (d.kind !== 'mdev') {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'not-mdev',
      `node device '${d.name}' is not a mediated device: only mdevs are defined, started and undefined (names starting with mdev_)`);
  }
  return { uuid: d.uuid, label: arg, parentMatches: (p) => p === d.parentAddr };
}

const TWO_PARENTS_HINT = 'name the device with its parent (mdev_<uuid>_<parent> from \'virt-mdev nodedev-list --all\') and undefine the other one';

/** The one definition a command acts on; a transient or unknown device is refused with `whenTransient`. */
function requireDefinition(root: HostRoot, bus: MdevBus, t: MdevTarget, whenTransient: string): MdevDefinition {
  const def = onlyDefinition(definitionsOfUuid(readStore(root), t.uuid, t.parentMatches), t.uuid, TWO_PARENTS_HINT);
  if (def) return def;
  const dev = bus.findDevice(t.uuid);
  if (dev && t.parentMatches(dev.parent)) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'transient', `${whenTransient}: ${childNodedevName(dev.uuid, dev.parent)} is a transient device (it has no definition in etc/mdevctl.d); define it with 'virt-mdev nodedev-define FILE'`);
  }
  throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-nodedev', `no node device '${printable(t.label)}' on this host: see 'virt-mdev nodedev-list --all'`);
}

export interface UndefineResult { name: string; uuid: string; file: string; active: boolean }

/** Remove a definition; a device that is running stays running, now transient (as libvirt does). */
export async function undefineNodedev(root: HostRoot, bus: MdevBus, devices: NodeDevice[], arg: string): Promise<UndefineResult> {
  const t = mdevTarget(devices, arg);
  return withLedgerLock(root, () => {
    const def = requireDefinition(root, bus, t, `Node device '${printable(arg)}' is not defined`);
    removeDefinition(def);
    const dev = bus.findDevice(def.uuid);
    return { name: childNodedevName(def.uuid, def.parent), uuid: def.uuid, file: def.file, active: dev !== undefined && dev.parent === def.parent };
  });
}

/** Start an inactive defined device: created, then its attributes written in order. */
export async function startNodedev(root: HostRoot, bus: MdevBus, devices: NodeDevice[], arg: string): Promise<MdevNode> {
  const t = mdevTarget(devices, arg);
  return withLedgerLock(root, async () => {
    const dev = bus.findDevice(t.uuid);
    if (dev && t.parentMatches(dev.parent)) {
      throw new VirtMdevError(ExitCode.EXISTS, 'already-active',
        `Device is already active: ${childNodedevName(dev.uuid, dev.parent)} exists (${dev.typeId} on ${dev.parent}); 'virt-mdev nodedev-destroy' stops it`);
    }
    const def = requireDefinition(root, bus, t, `cannot start '${printable(arg)}'`);
    await startDefinition(root, bus, def);
    return definedNode(bus, def);
  });
}

export interface AutostartResult { name: string; autostart: boolean; changed: boolean; file: string }

/** Mark a defined device to start at boot (and when its parent registers), or not. */
export async function autostartNodedev(root: HostRoot, bus: MdevBus, devices: NodeDevice[], arg: string, enable: boolean): Promise<AutostartResult> {
  const t = mdevTarget(devices, arg);
  const start: StartMode = enable ? 'auto' : 'manual';
  return withLedgerLock(root, () => {
    const def = requireDefinition(root, bus, t, 'cannot set autostart for transient device');
    const name = childNodedevName(def.uuid, def.parent);
    if (def.start === start) return { name, autostart: enable, changed: false, file: def.file };
    const written = writeDefinition(root, { ...def, start });
    return { name, autostart: enable, changed: true, file: written.file };
  });
}
