// nodedev-create and nodedev-destroy. Everything that can be checked is checked before the first
// write; once the kernel has created the device, a failing <attr> write removes it again, so a
// create either completes or leaves the host as it was.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { sysfsWrite } from '../mdevbus/sysfs-write.js';
import type { MdevBus, MdevDevice, MdevParent } from '../mdevbus/types.js';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
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

export async function createMdevFromRequest(root: HostRoot, bus: MdevBus, req: MdevCreateRequest, source: string): Promise<CreateResult> {
  let parent: MdevParent;
  if (req.parent !== undefined) {
    parent = resolveParent(bus, req.parent, '<parent>', source);
    if (req.parentAddr !== undefined && req.parentAddr !== parent.name) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'parent-mismatch',
        `${source}: <parent>${printable(req.parent)}</parent> is ${parent.name} but <parent_addr> says '${printable(req.parentAddr)}': remove one or make them agree`);
    }
  } else {
    parent = resolveParent(bus, req.parentAddr!, '<parent_addr>', source);
  }
  const type = parent.types.find((t) => t.id === req.typeId);
  if (!type) {
    const offered = parent.types.map((t) => t.id).join(', ') || 'no types';
    throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-type',
      `${source}: parent ${parentNodedevName(parent)} has no mdev type '${printable(req.typeId)}': it offers ${offered}`);
  }
  const generatedUuid = req.uuid === undefined;
  const uuid = req.uuid ?? crypto.randomUUID();
  const existing = bus.findDevice(uuid);
  if (existing) {
    throw new VirtMdevError(ExitCode.EXISTS, 'uuid-in-use',
      `UUID ${uuid} is already in use by ${holderOf(existing)}: choose another UUID or leave <uuid> out to have one generated`);
  }
  const dev = await bus.create(parent.name, type.id, uuid);
  for (const a of req.attrs) {
    try {
      await writeDeviceAttr(root, dev, a.name, a.value);
    } catch (e) {
      // a device without its attributes is not what was asked for: take it away again
      await bus.remove(dev.uuid).catch(() => undefined);
      if (e instanceof VirtMdevError) throw e;
      const code = errnoCode(e);
      throw new VirtMdevError(code === 'ENOENT' ? ExitCode.NOT_FOUND : ExitCode.REFUSED, 'attr-failed',
        `writing '${printable(a.value)}' to attribute ${printable(a.name)} of ${uuid} failed (${code ?? (e as Error).message}): the device was removed again; check the attribute name and value for type ${type.id}`,
        { cause: e });
    }
  }
  const node = mdevNode(dev, parentNodedevName(parent));
  node.attrs = req.attrs.map((a) => ({ ...a }));
  return { device: node, generatedUuid };
}

/**
 * Write one attribute file below the device directory. Every part must be what it claims to be (real
 * directories, then a regular file, no links), so an attribute name can never reach outside the
 * device, and nothing is ever created: a missing attribute fails with ENOENT.
 */
export async function writeDeviceAttr(root: HostRoot, dev: MdevDevice, name: string, value: string): Promise<void> {
  const segs = name.split('/');
  let rel = dev.sysfsPath;
  segs.forEach((s, i) => {
    rel = path.posix.join(rel, s);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(root.p(rel));
    } catch (e) {
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-attr',
        `device ${dev.uuid} (type ${dev.typeId}) has no attribute '${printable(name)}' (${errnoCode(e) ?? 'unreadable'}): the device was removed again; use a file name from ${dev.sysfsPath}`);
    }
    const ok = i === segs.length - 1 ? st.isFile() : st.isDirectory();
    if (!ok) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-attr',
        `attribute '${printable(name)}' of device ${dev.uuid} is not a plain attribute file (it is a link or a directory): the device was removed again`);
    }
  });
  await sysfsWrite(root, rel, value);
}

export interface DestroyResult { name: string; uuid: string }

export async function destroyNodedev(bus: MdevBus, node: NodeDevice, timeoutMs?: number): Promise<DestroyResult> {
  if (node.kind !== 'mdev') {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'not-mdev',
      `node device '${node.name}' is not a mediated device: nodedev-destroy only destroys mdevs (names starting with mdev_)`);
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
