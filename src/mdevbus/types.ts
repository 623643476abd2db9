// The kernel's mdev bus as the rest of virt-mdev sees it. Implemented over a host root by
// ./bus.ts; on a simulated host the writes go through ../simhost's kernel emulation instead.
// Everything here is a snapshot: capacity can change between a read and a create.

export type DeviceApi = 'vfio-pci' | 'vfio-ccw' | 'vfio-ap' | string;

export interface MdevType {
  /** type directory name, e.g. 'nvidia-63', 'i915-GVTg_V5_4', 'mtty-2' */
  id: string;
  /** parent name (the /sys/class/mdev_bus link name) */
  parent: string;
  /** contents of `name`, if the file exists */
  name?: string;
  /** contents of `description`, if the file exists */
  description?: string;
  /** contents of `device_api` (trimmed) */
  deviceApi: DeviceApi;
  /** contents of `available_instances` */
  availableInstances: number;
  /** UUIDs listed in the type's devices/ directory, sorted */
  devices: string[];
}

export interface MdevParent {
  /** the /sys/class/mdev_bus link name, e.g. '0000:00:02.0', 'mtty', 'matrix', '0.0.0052' */
  name: string;
  /** host-absolute sysfs path of the parent device (root prefix removed), e.g. '/sys/devices/pci0000:00/0000:00:02.0' */
  sysfsPath: string;
  /** bound driver name (basename of the `driver` link), if any */
  driver?: string;
  /** basename of the `subsystem` link: 'pci', 'css', 'ap', or a class such as 'mtty' */
  subsystem?: string;
  types: MdevType[];
}

export interface MdevDevice {
  /** canonical lower-case UUID = the /sys/bus/mdev/devices entry name */
  uuid: string;
  parent: string;
  typeId: string;
  /** host-absolute sysfs path of the device (root prefix removed) */
  sysfsPath: string;
  /** number the iommu_group link points at, if present */
  iommuGroup?: number;
  /** bound mdev driver, if any */
  driver?: string;
}

export type RemoveOutcome = 'removed' | 'absent' | 'timeout';

export interface RemoveOptions {
  /** how long to wait for a blocking remove (device still open by QEMU); default 30 000 ms */
  timeoutMs?: number;
}

export interface ListOptions {
  /**
   * false: names and structure only, for reports that show no more (nodedev-list), never for a
   * decision. listParents then reads no type attribute file (available_instances, device_api, name,
   * description: each type has availableInstances 0 and deviceApi ''), listDevices no device link
   * but the one that names its parent (mdev_type, iommu_group, driver: typeId '', no group or driver)
   */
  attributes?: boolean;
}

export interface MdevBus {
  /** every registered parent with its types, sorted by name; [] when the host has no mdev bus */
  listParents(o?: ListOptions): MdevParent[];
  /** one parent; VirtMdevError NOT_FOUND (with the names that do exist) when absent */
  getParent(name: string): MdevParent;
  /** every existing mdev, sorted by parent then UUID */
  listDevices(o?: ListOptions): MdevDevice[];
  /** one mdev by UUID (any case accepted), undefined when absent */
  findDevice(uuid: string): MdevDevice | undefined;
  /**
   * An mdev off the bus whose removal waits for its last user (6.1 takes it off the bus at once and
   * keeps its directory, group, UUID and share until QEMU lets go): findDevice no longer sees it.
   */
  removalPending(uuid: string): boolean;
  /**
   * Write the UUID to <parent>/mdev_supported_types/<type>/create. Validates every name first.
   * Kernel errnos become VirtMdevError: EEXIST → EXISTS (naming which parent/type holds it),
   * ENOSPC/EUSERS → NO_CAPACITY (details list what each parent still offers of that type),
   * EINVAL → REFUSED, ENOENT/ENODEV → NOT_FOUND.
   */
  create(parent: string, typeId: string, uuid: string): Promise<MdevDevice>;
  /**
   * Write 1 to the device's remove. Runs the write in a detached child process so that a write the
   * kernel blocks (device still open) can be abandoned after timeoutMs without hanging the caller:
   * the child finishes the removal later on its own. 'absent' when the device did not exist; a device
   * whose removal is already pending is waited for (the same bound), never written to again.
   */
  remove(uuid: string, opts?: RemoveOptions): Promise<RemoveOutcome>;
  /**
   * remove() for several devices at once, in ONE remover process whose writes run side by side and
   * report as each returns, under one bound: each device's outcome, or the error remove() would have
   * thrown for it, in the order given.
   */
  removeEach(uuids: readonly string[], opts?: RemoveOptions): Promise<Array<RemoveOutcome | Error>>;
  /**
   * Run fn, whose create() calls form one batch: on a simulated host under one hold of the emulation's
   * lock, taken at the first write (so fn must not remove: a remover process would wait for that lock;
   * a batch that writes nothing takes no lock); a real kernel needs none.
   * Optional: without it, fn simply runs.
   */
  writeBatch?<T>(fn: () => Promise<T>): Promise<T>;
}
