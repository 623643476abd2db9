// Everything the metrics describe, read from the host once and without the lock (a snapshot, as
// nodedev-list and pool-list are). Each part is read on its own: a damaged ledger or store file costs
// the metrics built from it, not the others.
import { oneFilePerDevice } from '../definitions/lookup.js';
import { readStore } from '../definitions/store.js';
import { hookLogPath } from '../hook/log.js';
import type { HostRoot } from '../host/root.js';
import { listRunningDomains } from '../ledger/running.js';
import { readLedger } from '../ledger/store.js';
import type { Ledger } from '../ledger/types.js';
import type { MdevBus, MdevDevice } from '../mdevbus/types.js';
import { isPoolAutostart, listPoolDefinitions, poolStatus, type PoolStatus } from '../pools/index.js';
import { countHookLog, readHookLogWindow, HOOK_LOG_WINDOW_BYTES } from './hook-log.js';
import type { DefinitionsView, MetricsSnapshot, Part } from './types.js';

function part<T>(read: () => T): Part<T> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function readPools(root: HostRoot, ledger: Ledger, devices: readonly MdevDevice[]): { pools: PoolStatus[]; unreadable: number } {
  const { pools, problems } = listPoolDefinitions(root);
  const running = listRunningDomains(root);
  return {
    pools: pools.map((def) => poolStatus(def, ledger, { autostart: isPoolAutostart(root, def.name), devices, running })),
    unreadable: problems.length,
  };
}

function readDefinitions(root: HostRoot, devices: readonly MdevDevice[]): DefinitionsView {
  const snap = readStore(root);
  const live = new Set(devices.map((d) => `${d.parent}/${d.uuid}`));
  return {
    definitions: oneFilePerDevice(snap.definitions).map((d) => ({ start: d.start, active: live.has(`${d.parent}/${d.uuid}`) })),
    unreadable: snap.problems.length,
  };
}

export function readMetricsSnapshot(root: HostRoot, bus: MdevBus, opts: { logWindowBytes?: number } = {}): MetricsSnapshot {
  const parents = part(() => bus.listParents());
  const devices = part(() => bus.listDevices());
  const ledger = part(() => readLedger(root));
  const needDevices = <T>(read: (d: MdevDevice[]) => T): Part<T> => (devices.ok ? part(() => read(devices.value)) : devices);
  return {
    parents,
    ledger,
    pools: ledger.ok ? needDevices((d) => readPools(root, ledger.value, d)) : ledger,
    definitions: needDevices((d) => readDefinitions(root, d)),
    hookLog: part(() => {
      const w = readHookLogWindow(hookLogPath(root), opts.logWindowBytes ?? HOOK_LOG_WINDOW_BYTES);
      return countHookLog(w?.lines ?? []);
    }),
  };
}
