// Persistent mdev definitions, in the store mdevctl and libvirt's node-device driver share
// (etc/mdevctl.d/<parent>/<uuid>): virt-mdev reads theirs and writes its own there, never a rival store.

export type StartMode = 'auto' | 'manual';

export interface MdevAttr {
  name: string;
  value: string;
}

export interface MdevDefinition {
  /** canonical lower-case UUID */
  uuid: string;
  /** the parent's kernel name, as under sys/class/mdev_bus (the store's directory name) */
  parent: string;
  type: string;
  /** auto: started at boot and whenever the parent registers */
  start: StartMode;
  /** written to the device's sysfs attributes in this order after each start (vfio-ap needs the order) */
  attrs: MdevAttr[];
  /** keys mdevctl does not know: kept, in their order, when virt-mdev rewrites the file */
  extra: Record<string, unknown>;
  /** absolute path of the file it was read from or will be written to */
  file: string;
}

/** A file in the store that could not be read: named, so the admin can fix it; the rest still counts. */
export interface StoreProblem {
  file: string;
  message: string;
  /** the UUID the file's name stands for, so a command that needs that device can name the file */
  uuid?: string;
  /** the store directory (parent) it is in */
  parent?: string;
  /** the whole store is unreadable (not one file): no device's definition can be seen */
  storeWide?: true;
}

export interface StoreSnapshot {
  /** sorted by parent, then UUID, as `mdevctl list --defined` sorts */
  definitions: MdevDefinition[];
  problems: StoreProblem[];
}
