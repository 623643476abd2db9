// nodedev-create and nodedev-destroy. Everything that can be checked is checked before the first
// write; once the kernel has created the device, a failing <attr> write removes it again, so a
// create either completes or leaves the host as it was.
import * as crypto from 'node:crypto';
import type { HostRoot } from '../host/root.js';
import { createWithAttrs } from '../mdevbus/create-with-attrs.js';
import { withLedgerLock } from '../ledger/store.js';
import { refusePoolMemberUuid } from '../pools/reserved.js';
import type { MdevBus, MdevDevice, MdevParent, MdevType } from '../mdevbus/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { checkParentName, printable } from '../util/validate.js';
import { mdevNode } from './collect.js';
import type { MdevNode, NodeDevice } from './model.js';
import { findParentByName, parentNodedevName } from './names.js';
import type { MdevCreateRequest } from './parse.js';

function describeParents(parents: MdevParent[]): string {
  if (parents.length === 0) return 'this host has no mdev parents (no /sys/class/mdev_bus entries: is the vendor driver loaded?)';
  return 'the parents on this host are ' + parents.map((p) => `${parentNodedevName(p)} (${p.name})`).sort().join(', ');
}

/** A parent by nodedev name (pci_0000_00_02_0) or by address (0000:00:02.0). */
export function resolveParent(bus: MdevBus, given: string, what = '<parent>', source?: string): MdevParent {
  checkParentName(given, what);
  const parents = bus.listParents();
  const p = findParentByName(parents, given);
  if (!p) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-parent', `${source ? source + ': ' : ''}${what} names no mdev parent '${printable(given)}': ${describeParents(parents)}`);
  }
  return p;
}

function holderOf(d: MdevDevice): string {
  return `${mdevNode(d, '').name} (parent ${d.parent}, type ${d.typeId})`;
}

export interface CreateResult { device: MdevNode; generatedUuid: boolean }

/** The parent a request names by <parent> (nodedev name or address) or <parent_addr>; both must agree. */
export function requestParent(bus: MdevBus, req: MdevCreateRequest, source: string): MdevParent {
  if (req.parent === undefined) return resolveParent(bus, req.parentAddr!, '<parent_addr>', source);
  const parent = resolveParent(bus, req.parent, '<parent>', source);
  if (req.parentAddr !== undefined && req.parentAddr !== parent.name) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'parent-mismatch',
      `${source}: <parent>${printable(req.parent)}</parent> is ${parent.name} but <parent_addr> says '${printable(req.parentAddr)}': remove one or make them agree`);
  }
  return parent;
}

/** The request's type, which the parent must offer now. */
export function requestType(parent: MdevParent, typeId: string, source: string): MdevType {
  const type = parent.types.find((t) => t.id === typeId);
  if (!type) {
    const offered = parent.types.map((t) => t.id).join(', ') || 'no types';
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${source}: parent ${parentNodedevName(parent)} has no mdev type '${printable(typeId)}': it offers ${offered}`);
  }
  return type;
}

/** nodedev-create: the UUID check and the create happen under the ledger lock, as every change does. */
export async function createMdevFromRequest(root: HostRoot, bus: MdevBus, req: MdevCreateRequest, source: string): Promise<CreateResult> {
  const parent = requestParent(bus, req, source);
  const type = requestType(parent, req.typeId, source);
  const generatedUuid = req.uuid === undefined;
  const uuid = req.uuid ?? crypto.randomUUID();
  const dev = await withLedgerLock(root, async () => {
    // never between a pool draw's remove and create, and never a pool member's UUID
    if (!generatedUuid) refusePoolMemberUuid(root, uuid, source);
    const existing = bus.findDevice(uuid);
    if (existing) {
      throw new VirtMdevError(ExitCode.EXISTS, 'uuid-in-use',
        `UUID ${uuid} is already in use by ${holderOf(existing)}: choose another UUID or leave <uuid> out to have one generated`);
    }
    return createWithAttrs(root, bus, parent.name, type.id, uuid, req.attrs);
  });
  const node = mdevNode(dev, parentNodedevName(parent));
  node.attrs = req.attrs.map((a) => ({ ...a }));
  return { device: node, generatedUuid };
}

export interface DestroyResult { name: string; uuid: string }

export async function destroyNodedev(bus: MdevBus, node: NodeDevice, timeoutMs?: number): Promise<DestroyResult> {
  if (node.kind !== 'mdev') {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'not-mdev',
      `node device '${node.name}' is not a mediated device: nodedev-destroy only destroys mdevs (names starting with mdev_)`);
  }
  if (!node.active) {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'not-active',
      `Device '${node.name}' is not active: it is only defined (${node.definition?.file ?? 'mdevctl store'}); start it with 'virt-mdev nodedev-start ${node.name}'`);
  }
  const outcome = await bus.remove(node.uuid, timeoutMs === undefined ? {} : { timeoutMs });
  if (outcome === 'absent') {
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-nodedev', `node device '${node.name}' disappeared before it could be destroyed (someone else removed it)`);
  }
  if (outcome === 'timeout') {
    throw new VirtMdevError(ExitCode.TIMEOUT, 'remove-timeout',
      `node device '${node.name}' is still in use (a VM holds it open): the kernel finishes the removal once it is released; stop the VM using ${node.uuid} first`);
  }
  return { name: node.name, uuid: node.uuid };
}
