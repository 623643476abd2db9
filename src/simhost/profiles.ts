// Simulated-host profiles: the parents, types and capacity rules of real mdev drivers, as the
// kernel and the vendors expose them (reference §1.1, §1.2, §1.7; real-stack recipe §8). The tree
// that initSimHost writes from these is the only state: usage is always recomputed from the devices
// present, so a crash can never leave the accounting out of step with the tree.

/** How a parent answers a create once it has no room left (reference §1.3 steps 4 and 6). */
export type ExhaustedErrno = 'ENOSPC' | 'EUSERS' | 'EINVAL';

export interface SimTypeDef {
  /** type directory name, '<driver string>-<sysfs_name>' */
  id: string;
  /** contents of `name` */
  name: string;
  /** contents of `description`; absent when the driver has no show_description (mtty, ccw, ap) */
  description?: string;
  deviceApi: 'vfio-pci' | 'vfio-ccw' | 'vfio-ap';
  /** units of the parent's budget one instance takes */
  cost: number;
}

export interface SimParentDef {
  /** the /sys/class/mdev_bus link name */
  name: string;
  /** device directory relative to the root, e.g. 'sys/devices/virtual/mtty/mtty' */
  path: string;
  /** what the parent's `subsystem` link points at, relative to the root ('sys/bus/pci', 'sys/class/mtty') */
  subsystem: string;
  /** bound parent driver (directory under '<subsystem>/drivers/'); class devices such as mtty have none */
  driver?: string;
  /** the mdev driver every child binds to: sys/bus/mdev/drivers/<mdevDriver> */
  mdevDriver: string;
  /**
   * 'driver': the driver's get_available counts (mtty, i915, nvidia) and its probe fails with
   * exhaustedErrno; 'core': the 6.1+ core counter (ccw, ap), EUSERS before the driver is asked.
   */
  accounting: 'driver' | 'core';
  /** capacity in units; for 'core' accounting every type costs 1 (the core counts devices) */
  budget: number;
  exhaustedErrno: ExhaustedErrno;
  /** NVIDIA time-sliced vGPU: all devices on one GPU must share a type; others offer 0 and fail EINVAL */
  exclusiveTypes?: boolean;
  /** the parent's own IOMMU group (PCI devices have one); mdev groups are allocated around it */
  iommuGroup?: number;
  /** plain attribute files of the parent device (PCI ids and the like) */
  attrs?: Record<string, string>;
  /** vendor attribute files every child device gets, relative to the device dir; '{uuid}' is substituted */
  childAttrs?: Record<string, string>;
  types: SimTypeDef[];
}

/** An intermediate device directory (PCI root port, bridge, css0) that a parent sits under. */
export interface SimAncestorDef {
  path: string;
  subsystem?: string;
  attrs?: Record<string, string>;
}

export interface SimProfile {
  name: string;
  summary: string;
  ancestors: SimAncestorDef[];
  parents: SimParentDef[];
}

const pciAttrs = (vendor: string, device: string, cls: string, subVendor: string, subDevice: string, slot: string, driver: string): Record<string, string> => ({
  vendor: `0x${vendor}\n`,
  device: `0x${device}\n`,
  class: `0x${cls}\n`,
  subsystem_vendor: `0x${subVendor}\n`,
  subsystem_device: `0x${subDevice}\n`,
  uevent: `DRIVER=${driver}\nPCI_CLASS=${cls.replace(/^0+(?=.)/, '').toUpperCase()}\nPCI_ID=${vendor.toUpperCase()}:${device.toUpperCase()}\n` +
    `PCI_SUBSYS_ID=${subVendor.toUpperCase()}:${subDevice.toUpperCase()}\nPCI_SLOT_NAME=${slot}\n` +
    `MODALIAS=pci:v0000${vendor.toUpperCase()}d0000${device.toUpperCase()}sv0000${subVendor.toUpperCase()}sd0000${subDevice.toUpperCase()}bc${cls.slice(0, 2).toUpperCase()}sc${cls.slice(2, 4).toUpperCase()}i${cls.slice(4, 6).toUpperCase()}\n`,
});

const bridge = (path: string, slot: string): SimAncestorDef => ({
  path,
  subsystem: 'sys/bus/pci',
  attrs: { vendor: '0x1022\n', device: '0x1483\n', class: '0x060400\n', uevent: `DRIVER=pcieport\nPCI_CLASS=60400\nPCI_SLOT_NAME=${slot}\n` },
});

const nvidiaDescription = (fbMiB: number, maxInstances: number): string =>
  `num_heads=4, frl_config=60, framebuffer=${fbMiB}M, max_resolution=5120x2880, max_instance=${maxInstances}\n`;

const nvidiaTypes = (): SimTypeDef[] => [
  { id: 'nvidia-63', name: 'GRID P40-1Q', description: nvidiaDescription(1024, 24), deviceApi: 'vfio-pci', cost: 1 },
  { id: 'nvidia-64', name: 'GRID P40-2Q', description: nvidiaDescription(2048, 12), deviceApi: 'vfio-pci', cost: 2 },
  { id: 'nvidia-65', name: 'GRID P40-3Q', description: nvidiaDescription(3072, 8), deviceApi: 'vfio-pci', cost: 3 },
];

const nvidiaGpu = (slot: string, path: string, iommuGroup: number): SimParentDef => ({
  name: slot,
  path,
  subsystem: 'sys/bus/pci',
  driver: 'nvidia',
  mdevDriver: 'nvidia-vgpu-vfio',
  accounting: 'driver',
  budget: 24,
  // users report 'Invalid argument' from the NVIDIA driver for a create it has no room for (mdevctl #115)
  exhaustedErrno: 'EINVAL',
  exclusiveTypes: true,
  iommuGroup,
  attrs: pciAttrs('10de', '1b38', '030200', '10de', '11d9', slot, 'nvidia'),
  types: nvidiaTypes(),
});

export const PROFILES: readonly SimProfile[] = [
  {
    name: 'mtty',
    summary: "the kernel's mtty sample: parent 'mtty', mtty-1 (24) and mtty-2 (12) on one 24-port budget, ENOSPC when full",
    ancestors: [],
    parents: [{
      name: 'mtty',
      path: 'sys/devices/virtual/mtty/mtty',
      subsystem: 'sys/class/mtty',
      mdevDriver: 'mtty',
      accounting: 'driver',
      budget: 24,
      exhaustedErrno: 'ENOSPC',
      attrs: { uevent: '' },
      childAttrs: { 'vendor/sample_mdev_dev': 'This is MDEV {uuid}\n' },
      types: [
        { id: 'mtty-1', name: 'Single port serial', deviceApi: 'vfio-pci', cost: 1 },
        { id: 'mtty-2', name: 'Dual port serial', deviceApi: 'vfio-pci', cost: 2 },
      ],
    }],
  },
  {
    name: 'gvt-g',
    summary: "Intel GVT-g: i915 parent 0000:00:02.0, i915-GVTg_V5_4 (1) and i915-GVTg_V5_8 (2) sharing one aperture budget, ENOSPC when full",
    ancestors: [],
    parents: [{
      name: '0000:00:02.0',
      path: 'sys/devices/pci0000:00/0000:00:02.0',
      subsystem: 'sys/bus/pci',
      driver: 'i915',
      mdevDriver: 'intel_vgpu_mdev',
      accounting: 'driver',
      // a small aperture as in intel/gvt-linux #122: one V5_4 or two V5_8
      budget: 2,
      exhaustedErrno: 'ENOSPC',
      iommuGroup: 2,
      attrs: pciAttrs('8086', '3e92', '030000', '1043', '8694', '0000:00:02.0', 'i915'),
      types: [
        { id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', deviceApi: 'vfio-pci', cost: 2,
          description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n' },
        { id: 'i915-GVTg_V5_8', name: 'GVTg_V5_8', deviceApi: 'vfio-pci', cost: 1,
          description: 'low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2\n' },
      ],
    }],
  },
  {
    name: 'nvidia',
    summary: 'NVIDIA vGPU: two Tesla P40 GPUs 0000:41:00.0 and 0000:42:00.0 behind PCI bridges, nvidia-63/64/65 (GRID P40-1Q/2Q/3Q); one type per GPU at a time',
    ancestors: [
      { path: 'sys/devices/pci0000:40' },
      bridge('sys/devices/pci0000:40/0000:40:01.1', '0000:40:01.1'),
      bridge('sys/devices/pci0000:40/0000:40:03.1', '0000:40:03.1'),
    ],
    parents: [
      nvidiaGpu('0000:41:00.0', 'sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0', 32),
      nvidiaGpu('0000:42:00.0', 'sys/devices/pci0000:40/0000:40:03.1/0000:42:00.0', 33),
    ],
  },
  {
    name: 'ccw',
    summary: "s390 vfio-ccw: css parent 0.0.0052, vfio_ccw-io (1), EUSERS when full",
    ancestors: [{ path: 'sys/devices/css0', attrs: { uevent: '' } }],
    parents: [{
      name: '0.0.0052',
      path: 'sys/devices/css0/0.0.0052',
      subsystem: 'sys/bus/css',
      driver: 'vfio_ccw',
      mdevDriver: 'vfio_ccw_mdev',
      accounting: 'core',
      budget: 1,
      exhaustedErrno: 'EUSERS',
      attrs: { type: '0\n', modalias: 'css:t0\n', pimpampom: 'f0 f0 ff\n', uevent: 'DRIVER=vfio_ccw\nST=0\nMODALIAS=css:t0\n' },
      types: [{ id: 'vfio_ccw-io', name: 'I/O subchannel (Non-QDIO)', deviceApi: 'vfio-ccw', cost: 1 }],
    }],
  },
  {
    name: 'ap',
    summary: "s390 vfio-ap: parent 'matrix', vfio_ap-passthrough (65536), EUSERS when full",
    ancestors: [{ path: 'sys/devices/vfio_ap', attrs: { uevent: '' } }],
    parents: [{
      name: 'matrix',
      path: 'sys/devices/vfio_ap/matrix',
      subsystem: 'sys/bus/matrix',
      driver: 'vfio_ap',
      mdevDriver: 'vfio_ap_mdev',
      accounting: 'core',
      // MAX_ZDEV_ENTRIES_EXT = 256 cards x 256 domains
      budget: 65536,
      exhaustedErrno: 'EUSERS',
      attrs: { uevent: 'DRIVER=vfio_ap\n' },
      childAttrs: { assign_adapter: '', unassign_adapter: '', assign_domain: '', unassign_domain: '', assign_control_domain: '', unassign_control_domain: '', matrix: '', guest_matrix: '' },
      types: [{ id: 'vfio_ap-passthrough', name: 'VFIO AP Passthrough Device', deviceApi: 'vfio-ap', cost: 1 }],
    }],
  },
];

export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}

export function findProfile(name: string): SimProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
