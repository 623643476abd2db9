// Node devices as libvirt 9 reports them for mdev hosts: the 'computer' root, the PCI bridges above a
// PCI parent, the mdev parents and their mdev children. One model feeds the XML, the list, the tree
// and the --json output, so they cannot disagree.

export interface MdevTypeInfo {
  id: string;
  name?: string;
  deviceApi: string;
  availableInstances: number;
}

export interface PciInfo {
  domain: number;
  bus: number;
  slot: number;
  function: number;
  /** PCI class code, e.g. 0x030000 */
  classCode?: number;
  vendorId: number;
  productId: number;
  isBridge: boolean;
  iommuGroup?: { number: number; addresses: string[] };
  numaNode?: number;
}

export interface SystemInfo {
  product?: string;
  hardware: { vendor?: string; version?: string; serial?: string; uuid: string };
  firmware: { vendor?: string; version?: string; releaseDate?: string };
}

interface Base {
  name: string;
  /** host-absolute sysfs path */
  path?: string;
  /** parent nodedev name; absent only for 'computer' */
  parent?: string;
  driver?: string;
}

export interface SystemNode extends Base { kind: 'system'; system?: SystemInfo }
export interface PciBridgeNode extends Base { kind: 'pci'; pci: PciInfo }
export interface PciParentNode extends Base { kind: 'pci-parent'; address: string; pci: PciInfo; types: MdevTypeInfo[] }
export interface CssParentNode extends Base { kind: 'css'; address: string; cssid: number; ssid: number; devno: number; types: MdevTypeInfo[] }
export interface ApMatrixNode extends Base { kind: 'ap_matrix'; address: string; types: MdevTypeInfo[] }
/** a class device such as the mtty sample: libvirt 9 nests mdev_types inside a top-level mdev_types capability */
export interface ClassParentNode extends Base { kind: 'class'; address: string; types: MdevTypeInfo[] }
export interface MdevNode extends Base {
  kind: 'mdev';
  uuid: string;
  typeId: string;
  parentAddr: string;
  iommuGroup?: number;
  attrs: { name: string; value: string }[];
  /** the device exists in sysfs (false: only its definition does) */
  active: boolean;
  /** it has a definition in mdevctl's store */
  persistent: boolean;
  /** its definition says "start": "auto" */
  autostart: boolean;
  /** what its definition says, when it has one (`nodedev-dumpxml --inactive` shows this) */
  definition?: { file: string; typeId: string; attrs: { name: string; value: string }[] };
}

export type ParentNode = PciParentNode | CssParentNode | ApMatrixNode | ClassParentNode;
export type NodeDevice = SystemNode | PciBridgeNode | ParentNode | MdevNode;

export function isParentNode(d: NodeDevice): d is ParentNode {
  return d.kind === 'pci-parent' || d.kind === 'css' || d.kind === 'ap_matrix' || d.kind === 'class';
}

/** Capability names as `virsh nodedev-list --cap` knows them. */
export function capabilitiesOf(d: NodeDevice): string[] {
  switch (d.kind) {
    case 'system': return ['system'];
    case 'pci': return ['pci'];
    case 'pci-parent': return ['pci', 'mdev_types'];
    case 'css': return ['css', 'mdev_types'];
    case 'ap_matrix': return ['ap_matrix', 'mdev_types'];
    case 'class': return ['mdev_types'];
    case 'mdev': return ['mdev'];
  }
}

/** libvirt's lifecycle flags of a node device (`nodedev-info`): only mdevs can be inactive or defined. */
export function lifecycleOf(d: NodeDevice): { active: boolean; persistent: boolean; autostart: boolean } {
  if (d.kind === 'mdev') return { active: d.active, persistent: d.persistent, autostart: d.autostart };
  // libvirt's udev driver marks the computer persistent and autostarted, every discovered device neither
  return d.kind === 'system' ? { active: true, persistent: true, autostart: true } : { active: true, persistent: false, autostart: false };
}

export const KNOWN_CAPS = ['system', 'pci', 'css', 'ap_matrix', 'mdev_types', 'mdev'] as const;
