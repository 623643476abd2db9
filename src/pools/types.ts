// A pool: a named, persistent set of mdevs of one type that VMs draw from. Its members exist as real
// mdevs while the pool runs, so the capacity they hold is reserved for the pool's domains.
import { uuidV5 } from '../domainxml/uuid5.js';

export interface PoolDefinition {
  /** validated pool name (checkPoolName): also the file name etc/virt-mdev/pools/<name>.xml */
  name: string;
  /** mdev type id of every member */
  type: string;
  /**
   * parents the members may be placed on, as written (a node-device name such as pci_0000_41_00_0 or a
   * sysfs name such as 0000:41:00.0); empty: any parent that offers the type
   */
  parents: string[];
  /** number of members */
  size: number;
}

/** Namespace of member UUIDs: member k of pool P is uuidV5(POOL_NAMESPACE, `pool:${P}:member:${k}`). */
export const POOL_NAMESPACE = '9b7c2e4a-3f1d-5a6b-8c9d-0e1f2a3b4c5d';

/** The UUID member k (0-based) of pool `pool` always has, on every host, start and reboot. */
export function poolMemberUuid(pool: string, k: number): string {
  return uuidV5(POOL_NAMESPACE, `pool:${pool}:member:${k}`);
}
