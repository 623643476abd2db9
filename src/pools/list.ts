// Pool state for display and for other operations: the definitions, the ledger, the devices on the
// bus and the running domains, read once without the lock (a snapshot, as nodedev-list is).
import type { HostRoot } from '../host/root.js';
import { listRunningDomains } from '../ledger/running.js';
import { readLedger } from '../ledger/store.js';
import type { MdevBus } from '../mdevbus/types.js';
import type { VirtMdevError } from '../util/errors.js';
import { poolStatus, type PoolStatus } from './status.js';
import { isPoolAutostart, listPoolDefinitions, readPoolDefinition } from './store.js';

export interface PoolListing {
  pools: PoolStatus[];
  /** definition files that could not be read; the other pools are listed */
  problems: VirtMdevError[];
}

function snapshot(root: HostRoot, bus: MdevBus) {
  return { ledger: readLedger(root), running: listRunningDomains(root), devices: bus.listDevices() };
}

export function listPools(root: HostRoot, bus: MdevBus): PoolListing {
  const { pools, problems } = listPoolDefinitions(root);
  const s = snapshot(root, bus);
  return {
    pools: pools.map((def) => poolStatus(def, s.ledger, { autostart: isPoolAutostart(root, def.name), devices: s.devices, running: s.running })),
    problems,
  };
}

/** One pool's state; NOT_FOUND when it is not defined. */
export function getPoolStatus(root: HostRoot, bus: MdevBus, name: string): PoolStatus {
  const def = readPoolDefinition(root, name);
  const s = snapshot(root, bus);
  return poolStatus(def, s.ledger, { autostart: isPoolAutostart(root, name), devices: s.devices, running: s.running });
}
