// What the metrics are made from: the parts of a host snapshot, each read on its own.
import type { StartMode } from '../definitions/types.js';
import type { Ledger } from '../ledger/types.js';
import type { MdevParent } from '../mdevbus/types.js';
import type { PoolStatus } from '../pools/index.js';
import type { HookLogCounts } from './hook-log.js';

/** a part of the snapshot, or why it could not be read */
export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface DefinitionsView {
  definitions: { start: StartMode; active: boolean }[];
  /** store files that could not be read */
  unreadable: number;
}

export interface MetricsSnapshot {
  parents: Part<MdevParent[]>;
  ledger: Part<Ledger>;
  pools: Part<{ pools: PoolStatus[]; unreadable: number }>;
  definitions: Part<DefinitionsView>;
  hookLog: Part<HookLogCounts>;
}
