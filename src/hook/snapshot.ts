// What prepare decides from, read from the host once: the parents with their types and capacity, the
// mdevs that exist, virt-mdev's ledger, the domains that run. The hook reads it under the ledger lock
// (so nothing virt-mdev does can change it before the plan is applied); `virt-mdev check` reads it
// without the lock and changes nothing.
import type { StoreSnapshot } from '../definitions/types.js';
import type { HostRoot } from '../host/root.js';
import { listRunningDomains, type RunningDomain } from '../ledger/running.js';
import type { Ledger } from '../ledger/types.js';
import type { MdevBus, MdevDevice, MdevParent } from '../mdevbus/types.js';
import { findPoolDefinition } from '../pools/store.js';
import type { PoolDefinition } from '../pools/types.js';
import { isVirtMdevError, type VirtMdevError } from '../util/errors.js';
import type { HookConfig } from './config.js';

/** A pool a domain names, as defined on this host: its definition, or why it cannot be read */
export interface PoolLookup {
  def?: PoolDefinition;
  error?: VirtMdevError;
}

export interface PrepareSnapshot {
  /** the host root, for messages */
  rootDir: string;
  parents: MdevParent[];
  devices: MdevDevice[];
  ledger: Ledger;
  running: RunningDomain[];
  /** ms since the epoch when the snapshot was taken */
  now: number;
  /** a prepared device whose domain does not run yet counts as "starting" for this long */
  startGraceMs: number;
  /** persistent definitions (mdevctl's store): an unmanaged hostdev's stopped device is started from one */
  store: StoreSnapshot;
  /** the pools the domain draws from, by name (absent from the map: not looked up) */
  pools: Map<string, PoolLookup>;
}

export interface SnapshotOptions {
  /** pools to read the definitions of */
  pools?: Iterable<string>;
  /** read by whoever plans unmanaged hostdevs; the hook's managed part needs none */
  store?: () => StoreSnapshot;
}

export function readPrepareSnapshot(root: HostRoot, bus: MdevBus, ledger: Ledger, cfg: Pick<HookConfig, 'startGraceMs'>, o: SnapshotOptions = {}): PrepareSnapshot {
  return {
    rootDir: root.dir,
    parents: bus.listParents(),
    devices: bus.listDevices(),
    ledger,
    running: listRunningDomains(root),
    now: Date.now(),
    startGraceMs: cfg.startGraceMs,
    store: o.store ? o.store() : { definitions: [], problems: [] },
    pools: new Map([...new Set(o.pools ?? [])].map((name) => [name, lookUpPool(root, name)])),
  };
}

function lookUpPool(root: HostRoot, name: string): PoolLookup {
  try {
    const def = findPoolDefinition(root, name);
    return def ? { def } : {};
  } catch (e) {
    if (isVirtMdevError(e)) return { error: e };
    throw e;
  }
}

export function deviceIn(snap: Pick<PrepareSnapshot, 'devices'>, uuid: string): MdevDevice | undefined {
  return snap.devices.find((d) => d.uuid === uuid);
}
