// Node-device names exactly as libvirt 9 derives them, so names printed here can be pasted into virsh
// and back. libvirt replaces every non-alphanumeric character of the parts with '_'.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { canonicalUuid, isUuid, printable, sysfsParentName } from '../util/validate.js';

export const ROOT_NODEDEV = 'computer';

const PCI_ADDR = /^([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const CSS_ADDR = /^([0-9a-fA-F]{1,2})\.([0-3])\.([0-9a-fA-F]{4})$/;

export function sanitizeNamePart(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '_');
}

export interface PciAddress { domain: number; bus: number; slot: number; function: number }
export interface CcwAddress { cssid: number; ssid: number; devno: number }

export function parsePciAddress(s: string): PciAddress | undefined {
  const m = PCI_ADDR.exec(s);
  if (!m) return undefined;
  return { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), function: parseInt(m[4]!, 16) };
}

export function parseCssAddress(s: string): CcwAddress | undefined {
  const m = CSS_ADDR.exec(s);
  if (!m) return undefined;
  return { cssid: parseInt(m[1]!, 16), ssid: parseInt(m[2]!, 16), devno: parseInt(m[3]!, 16) };
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

export function pciNodedevName(a: PciAddress): string {
  return `pci_${hex(a.domain, 4)}_${hex(a.bus, 2)}_${hex(a.slot, 2)}_${hex(a.function, 1)}`;
}

/** The kinds of mdev parent libvirt 9 reports, each with its own capability layout. */
export type ParentKind = 'pci' | 'css' | 'ap_matrix' | 'class';

export interface ParentIdentity {
  /** the /sys/class/mdev_bus link name (the parent address) */
  name: string;
  subsystem?: string;
  /** host-absolute sysfs path */
  sysfsPath: string;
}

export function parentKind(p: ParentIdentity): ParentKind {
  const sub = p.subsystem;
  if (sub === 'pci' || (sub === undefined && parsePciAddress(p.name))) return 'pci';
  if (sub === 'css' || (sub === undefined && parseCssAddress(p.name))) return 'css';
  // the vfio_ap matrix device sits on the 'matrix' bus; libvirt names it ap_matrix whatever the details
  if (sub === 'matrix' || sub === 'vfio_ap' || sub === 'ap' || (sub === undefined && p.name === 'matrix')) return 'ap_matrix';
  return 'class';
}

/** A class device's subsystem: from the subsystem link, else /sys/devices/virtual/<class>/<name>. */
function classSubsystem(p: ParentIdentity): string {
  if (p.subsystem) return p.subsystem;
  const parts = p.sysfsPath.split('/').filter(Boolean);
  const v = parts.indexOf('virtual');
  if (v >= 0 && parts.length > v + 2) return parts[v + 1]!;
  return parts.length >= 2 ? parts[parts.length - 2]! : 'mdev';
}

/** pci_0000_00_02_0, css_0_0_0052, ap_matrix, mtty_mtty */
export function parentNodedevName(p: ParentIdentity): string {
  switch (parentKind(p)) {
    case 'pci': {
      const a = parsePciAddress(p.name);
      return a ? pciNodedevName(a) : `pci_${sanitizeNamePart(p.name)}`;
    }
    case 'css': return `css_${sanitizeNamePart(p.name)}`;
    case 'ap_matrix': return 'ap_matrix';
    case 'class': return sanitizeNamePart(`${classSubsystem(p)}_${p.name}`);
  }
}

/** A parent by its node-device name (pci_0000_41_00_0) or its sysfs name (0000:41:00.0), as virsh accepts either. */
export function findParentByName<P extends ParentIdentity>(parents: readonly P[], given: string): P | undefined {
  const sysfs = sysfsParentName(given);
  return parents.find((x) => parentNodedevName(x) === given) ?? parents.find((x) => x.name === given || x.name === sysfs);
}

/** mdev_<uuid>_<parent address>, e.g. mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_00_02_0 */
export function childNodedevName(uuid: string, parentAddr: string): string {
  return `mdev_${sanitizeNamePart(uuid.toLowerCase())}_${sanitizeNamePart(parentAddr)}`;
}

/**
 * The nodedev that a device directory hangs under, from sysfs path ancestry: a PCI device behind a
 * bridge has the bridge as parent; anything directly under a root complex or a virtual/bus dir has 'computer'.
 */
export function sysfsParentNodedev(sysfsPath: string): string {
  const parts = sysfsPath.split('/').filter(Boolean);
  const up = parts[parts.length - 2];
  const a = up === undefined ? undefined : parsePciAddress(up);
  return a ? pciNodedevName(a) : ROOT_NODEDEV;
}

/** PCI ancestors (bridges, root ports) of a sysfs path, outermost first. */
export function pciAncestors(sysfsPath: string): { address: string; sysfsPath: string }[] {
  const parts = sysfsPath.split('/').filter(Boolean);
  const out: { address: string; sysfsPath: string }[] = [];
  for (let i = 0; i < parts.length - 1; i++) {
    if (parsePciAddress(parts[i]!)) out.push({ address: parts[i]!, sysfsPath: '/' + parts.slice(0, i + 1).join('/') });
  }
  return out;
}

const UUID_IN_NAME = /^mdev_([0-9a-fA-F]{8})_([0-9a-fA-F]{4})_([0-9a-fA-F]{4})_([0-9a-fA-F]{4})_([0-9a-fA-F]{12})(?:_(.+))?$/;

/** What a NAME|UUID argument asks for, before looking at the host. */
export type NameQuery =
  | { kind: 'uuid'; uuid: string; parentSuffix?: string }
  | { kind: 'name'; name: string };

const NAME_CHARS = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Parse a node-device name or UUID from the command line. Throws BAD_VALUE for anything path-like. */
export function parseNameArg(arg: string): NameQuery {
  const s = arg.trim();
  if (!NAME_CHARS.test(s) || s.includes('..')) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-name',
      `'${printable(arg)}' is not a node device name or UUID: use a name from 'virt-mdev nodedev-list' (e.g. mdev_<uuid>_<parent>, pci_0000_00_02_0) or a UUID (no '/', no '..')`);
  }
  if (isUuid(s)) return { kind: 'uuid', uuid: canonicalUuid(s) };
  const m = UUID_IN_NAME.exec(s);
  if (m) {
    const uuid = `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
    return m[6] === undefined ? { kind: 'uuid', uuid } : { kind: 'uuid', uuid, parentSuffix: m[6] };
  }
  return { kind: 'name', name: s };
}
