// What virt-mdev remembers about the devices it owns. The ledger is the only record that separates a
// device we created (and so may remove) from one an admin or another tool created (which we never touch).

/** Life of one owned device. An entry is written BEFORE the kernel is asked to create, so a crash at any
 * point leaves either no device or a device with a ledger entry: `gc` can always reconcile. */
export type LedgerState =
  /** intent recorded; the create may or may not have happened (only ever seen after a crash) */
  | 'creating'
  /** the device exists and belongs to its owner */
  | 'active'
  /** release decided to remove it; the remove may or may not have happened */
  | 'removing'
  /** a remove blocked past its bound (device still open) and was left for `gc` */
  | 'abandoned';

export interface DomainRef {
  name: string;
  /** canonical domain UUID, when the domain XML carried one */
  uuid?: string;
}

export interface LedgerEntry {
  /** canonical mdev UUID */
  uuid: string;
  parent: string;
  type: string;
  state: LedgerState;
  /**
   * 'created': our create put it there, so we remove it when its owner lets go.
   * 'adopted': it already existed and was taken into use; we never remove it, only forget it.
   */
  origin: 'created' | 'adopted';
  /** the domain that uses it (for a pool-owned device: the domain it is lent to, if any) */
  domain?: DomainRef;
  /** the pool that owns it; absent for devices owned by one domain's managed hostdev */
  pool?: string;
  /**
   * with pool: which member (0-based) this device is or stands in for. A free member has the member's
   * own UUID (poolMemberUuid) and no domain; a lent member's entry has the domain's UUID and the domain.
   */
  member?: number;
  /** ISO time of the create (or adoption) */
  createdAt: string;
  /** ISO time of the last state change */
  updatedAt: string;
  /** pid of the process that last changed the entry (diagnostics only) */
  pid: number;
  /** last error seen for this device (e.g. why a remove was abandoned) */
  note?: string;
}

export interface Ledger {
  version: 1;
  devices: LedgerEntry[];
}

export const LEDGER_FILE = 'ledger.json';
/** name of the one lock (src/util/lock.ts) under which virt-mdev changes devices, definitions and pools */
export const LEDGER_LOCK = 'ledger';
