// What boot autostart reports: one result per started (or not started) thing, so that nothing fails
// silently (mdevctl's start-parent-mdevs turns every error into a warning and exits 0).
import type { StoreProblem } from '../definitions/types.js';

export type AutostartState = 'started' | 'already-active' | 'failed' | 'skipped';

export interface AutostartResult {
  /** what kind of thing was started; pools add their own kind in a later phase */
  kind: 'definition';
  uuid: string;
  parent: string;
  type: string;
  /** the store file the definition was read from */
  file: string;
  state: AutostartState;
  /** how long the device waited for its parent (or its type) before the outcome, in ms */
  waitedMs?: number;
  waitedFor?: 'parent' | 'type';
  /** for 'failed' and 'skipped': exit code, machine-readable reason and one clear line */
  exitCode?: number;
  reason?: string;
  message?: string;
}

export interface AutostartReport {
  results: AutostartResult[];
  /** store files that could not be read (named; every other definition still started) */
  problems: StoreProblem[];
}
