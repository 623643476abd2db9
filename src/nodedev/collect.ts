// Builds the node-device model of a host from the mdev bus plus the few sysfs facts libvirt also
// reports (PCI ids, IOMMU group, NUMA node, DMI). Missing optional files are simply left out:
// simulated hosts and odd platforms lack some of them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHostFile } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { isVirtMdevError } from '../util/errors.js';
import type { MdevBus, MdevDevice, MdevParent, MdevType } from '../mdevbus/types.js';
import { isUuid } from '../util/validate.js';
import type { MdevNode, MdevTypeInfo, NodeDevice, ParentNode, PciInfo, SystemInfo, SystemNode } from './model.js';
import {
  ROOT_NODEDEV, childNodedevName, parentKind, parentNodedevName, parseCssAddress, parsePciAddress,
  pciAncestors, pciNodedevName, sysfsParentNodedev,
} from './names.js';

/** sysfs attributes are at most a page */
const MAX_ATTR_BYTES = 64 * 1024;

/**
 * Read a small sysfs file under the root, trimmed; undefined when absent or unreadable. One that
 * resolves outside the root (a crafted link in a simulated tree) is an error, never read.
 */
function readSys(root: HostRoot, hostPath: string): string | undefined {
  const abs = underRoot(root, hostPath);
  if (abs === undefined) return undefined;
  try {
    const r = readHostFile(root, abs, MAX_ATTR_BYTES, {}, 'sysfs attribute');
    return r.ok ? r.data.toString('utf8').trim() : undefined;
  } catch (e) {
    if (isVirtMdevError(e)) throw e;
    return undefined;
  }
}

/** Names in a directory under the root; none when absent or when it resolves outside the root. */
function listSysDir(root: HostRoot, abs: string): string[] {
  try {
    if (!root.contains(root.dir === '/' ? abs : fs.realpathSync.native(abs))) return [];
    return fs.readdirSync(abs);
  } catch {
    return [];
  }
}

/** Host-absolute path → path under the root, refusing anything that would leave the root. */
function underRoot(root: HostRoot, hostPath: string): string | undefined {
  const abs = path.join(root.dir, hostPath);
  return abs === root.dir || abs.startsWith(root.dir.endsWith('/') ? root.dir : root.dir + '/') ? abs : undefined;
}

function linkBase(root: HostRoot, hostPath: string): string | undefined {
  const abs = underRoot(root, hostPath);
  if (abs === undefined) return undefined;
  try {
    return path.basename(fs.readlinkSync(abs));
  } catch {
    return undefined;
  }
}

function parseHexId(s: string | undefined): number | undefined {
  if (s === undefined || !/^(0x)?[0-9a-fA-F]+$/.test(s)) return undefined;
  return parseInt(s, 16);
}

function readPciInfo(root: HostRoot, address: string, sysfsPath: string): PciInfo {
  const a = parsePciAddress(address)!;
  const classCode = parseHexId(readSys(root, `${sysfsPath}/class`));
  const info: PciInfo = {
    ...a,
    vendorId: parseHexId(readSys(root, `${sysfsPath}/vendor`)) ?? 0,
    productId: parseHexId(readSys(root, `${sysfsPath}/device`)) ?? 0,
    isBridge: classCode !== undefined && (classCode >> 8) === 0x0604,
  };
  if (classCode !== undefined) info.classCode = classCode;
  const group = linkBase(root, `${sysfsPath}/iommu_group`);
  if (group !== undefined && /^\d+$/.test(group)) {
    const devDir = underRoot(root, `/sys/kernel/iommu_groups/${group}/devices`);
    let addresses = devDir ? listSysDir(root, devDir).filter((n) => parsePciAddress(n) !== undefined).sort() : [];
    // group directory not present: the device alone
    if (addresses.length === 0) addresses = [address];
    info.iommuGroup = { number: Number(group), addresses };
  }
  const numa = readSys(root, `${sysfsPath}/numa_node`);
  if (numa !== undefined && /^\d+$/.test(numa)) info.numaNode = Number(numa);
  return info;
}

function readSystemInfo(root: HostRoot): SystemInfo | undefined {
  const dmi = (f: string): string | undefined => {
    const v = readSys(root, `/sys/class/dmi/id/${f}`);
    return v === undefined || v === '' ? undefined : v;
  };
  const uuid = dmi('product_uuid');
  // libvirt's schema requires the hardware UUID; without a readable one the capability is left out
  if (uuid === undefined || !isUuid(uuid)) return undefined;
  const info: SystemInfo = { hardware: { uuid: uuid.toLowerCase() }, firmware: {} };
  const product = dmi('product_name');
  if (product !== undefined) info.product = product;
  const hw: [keyof SystemInfo['hardware'], string][] = [['vendor', 'sys_vendor'], ['version', 'product_version'], ['serial', 'product_serial']];
  for (const [k, f] of hw) { const v = dmi(f); if (v !== undefined) info.hardware[k] = v; }
  const fw: [keyof SystemInfo['firmware'], string][] = [['vendor', 'bios_vendor'], ['version', 'bios_version'], ['releaseDate', 'bios_date']];
  for (const [k, f] of fw) { const v = dmi(f); if (v !== undefined) info.firmware[k] = v; }
  return info;
}

function typeInfo(t: MdevType): MdevTypeInfo {
  const out: MdevTypeInfo = { id: t.id, deviceApi: t.deviceApi, availableInstances: t.availableInstances };
  if (t.name !== undefined) out.name = t.name;
  return out;
}

function withOptional<T extends object>(base: T, extra: { path?: string; driver?: string }): T {
  const o = base as T & { path?: string; driver?: string };
  if (extra.path !== undefined) o.path = extra.path;
  if (extra.driver !== undefined) o.driver = extra.driver;
  return o;
}

/** PCI ids and the like, or, for an outline, only the address they describe */
function pciInfoOf(root: HostRoot, address: string, sysfsPath: string, detail: boolean): PciInfo {
  if (detail) return readPciInfo(root, address, sysfsPath);
  return { ...parsePciAddress(address)!, vendorId: 0, productId: 0, isBridge: false };
}

export function parentNode(root: HostRoot, p: MdevParent, detail: boolean = true): ParentNode {
  const name = parentNodedevName(p);
  const types = p.types.map(typeInfo);
  const opt = { path: p.sysfsPath, driver: p.driver };
  switch (parentKind(p)) {
    case 'pci':
      if (parsePciAddress(p.name)) {
        return withOptional({ kind: 'pci-parent', name, parent: sysfsParentNodedev(p.sysfsPath), address: p.name, pci: pciInfoOf(root, p.name, p.sysfsPath, detail), types }, opt);
      }
      break;
    case 'css': {
      const a = parseCssAddress(p.name);
      if (a) return withOptional({ kind: 'css', name, parent: ROOT_NODEDEV, address: p.name, ...a, types }, opt);
      break;
    }
    case 'ap_matrix':
      return withOptional({ kind: 'ap_matrix', name, parent: ROOT_NODEDEV, address: p.name, types }, opt);
    case 'class':
      break;
  }
  return withOptional({ kind: 'class', name, parent: ROOT_NODEDEV, address: p.name, types }, opt);
}

export function mdevNode(d: MdevDevice, parentName: string): MdevNode {
  const n: MdevNode = {
    kind: 'mdev', name: childNodedevName(d.uuid, d.parent), path: d.sysfsPath, parent: parentName,
    uuid: d.uuid, typeId: d.typeId, parentAddr: d.parent, attrs: [], active: true, persistent: false, autostart: false,
  };
  if (d.driver !== undefined) n.driver = d.driver;
  if (d.iommuGroup !== undefined) n.iommuGroup = d.iommuGroup;
  return n;
}

export interface CollectOptions {
  /**
   * false: an outline, for reports of names and the tree (nodedev-list): every device, its name, kind,
   * parent and path, but no attribute file read (no PCI ids, DMI, type attributes; a parent's driver,
   * but not an mdev's type, IOMMU group and driver: placeholders)
   */
  detail?: boolean;
}

/** Every node device of interest on the host: computer, PCI bridges above parents, parents, mdevs. */
export function collectNodeDevices(root: HostRoot, bus: MdevBus, o: CollectOptions = {}): NodeDevice[] {
  const detail = o.detail !== false;
  const out: NodeDevice[] = [];
  const computer: SystemNode = { kind: 'system', name: ROOT_NODEDEV };
  const sys = detail ? readSystemInfo(root) : undefined;
  if (sys) computer.system = sys;
  out.push(computer);

  const parents = bus.listParents({ attributes: detail });
  const parentNameByAddr = new Map<string, string>();
  const bridges = new Map<string, NodeDevice>();
  for (const p of parents) {
    const node = parentNode(root, p, detail);
    parentNameByAddr.set(p.name, node.name);
    out.push(node);
    if (node.kind === 'pci-parent') {
      for (const anc of pciAncestors(p.sysfsPath)) {
        const name = pciNodedevName(parsePciAddress(anc.address)!);
        if (bridges.has(name) || parents.some((q) => q.name === anc.address)) continue;
        const bridge: NodeDevice = { kind: 'pci', name, path: anc.sysfsPath, parent: sysfsParentNodedev(anc.sysfsPath), pci: pciInfoOf(root, anc.address, anc.sysfsPath, detail) };
        const drv = linkBase(root, `${anc.sysfsPath}/driver`);
        if (drv !== undefined) bridge.driver = drv;
        bridges.set(name, bridge);
      }
    }
  }
  out.push(...bridges.values());
  for (const d of bus.listDevices({ attributes: detail })) {
    out.push(mdevNode(d, parentNameByAddr.get(d.parent) ?? ROOT_NODEDEV));
  }
  return out;
}

/** virsh sorts node devices by name, ignoring case. */
export function sortByName<T extends { name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => {
    const x = a.name.toLowerCase(), y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
