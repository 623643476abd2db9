// What boot autostart reports: one result per started (or not started) thing, so that nothing fails
// silently (mdevctl's start-parent-mdevs turns every error into a warning and exits 0).
import type { StoreProblem } from '../definitions/types.js';
import type { HostRoot } from '../host/root.js';
import type { MdevBus } from '../mdevbus/types.js';

/** 'incomplete': a pool of which some members exist and some could not be created */
export type AutostartState = 'started' | 'already-active' | 'failed' | 'skipped' | 'incomplete';

/** What a device or pool waits for: a parent to register, or a parent (none named: any) to offer its type. */
export interface Late {
  for: 'parent' | 'type';
  parent?: string;
}

interface ResultBase {
  state: AutostartState;
  /** how long the run had waited (from its start) for a late parent or type before the outcome, in ms */
  waitedMs?: number;
  waitedFor?: 'parent' | 'type';
  /** for 'failed', 'incomplete' and 'skipped': exit code, machine-readable reason and one clear line */
  exitCode?: number;
  reason?: string;
  message?: string;
}

/** A persistent definition (mdevctl's store) marked auto. */
export interface DefinitionResult extends ResultBase {
  kind: 'definition';
  uuid: string;
  parent: string;
  type: string;
  /** the store file the definition was read from */
  file: string;
}

export interface PoolMemberResult {
  member: number;
  uuid: string;
  /** sysfs name of the parent it was created on */
  parent: string;
}

export interface PoolMissingResult {
  member: number;
  uuid: string;
  exitCode: number;
  reason: string;
}

/** A pool with an autostart link. */
export interface PoolResult extends ResultBase {
  kind: 'pool';
  pool: string;
  type: string;
  size: number;
  /** the pool's definition file */
  file: string;
  /** members that exist after this run (free or lent) */
  members: number;
  /** members this run created (or found with the member's UUID and recorded) */
  created: PoolMemberResult[];
  missing: PoolMissingResult[];
  /** the parent waited for (none: any parent offering the type) */
  waitedOn?: string;
}

export type AutostartResult = DefinitionResult | PoolResult;

export interface AutostartReport {
  results: AutostartResult[];
  /** store files that could not be read (named; every other definition still started) */
  problems: StoreProblem[];
}

export interface AutostartContext {
  root: HostRoot;
  bus: MdevBus;
  /** only these parents (kernel names); undefined: every parent */
  parents?: string[];
  /** how long the run may wait for late parents or types, counted from startedAt */
  waitMs: number;
  /** when the run began (epoch ms): every phase waits until startedAt + waitMs; default: when the phase starts */
  startedAt?: number;
  /** how long to queue for the ledger lock in each round */
  lockTimeoutMs?: number;
  /** each result as soon as it is known (boot logs show progress) */
  onResult?: (r: AutostartResult) => void;
  /** progress notes: what is being waited for */
  onNote?: (line: string) => void;
}

export interface AutostartPhase {
  name: string;
  run(ctx: AutostartContext): Promise<AutostartReport>;
}
