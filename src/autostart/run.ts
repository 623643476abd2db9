// `virt-mdev autostart`: what boot (virt-mdev-autostart.service) and a parent's registration
// (virt-mdev-autostart@<parent>.service, asked for by our udev rule) run. Phases run in order; the
// definitions come first because pools are built from devices that must exist.
import type { HostRoot } from '../host/root.js';
import type { MdevBus } from '../mdevbus/types.js';
import { ExitCode, type ExitCodeValue } from '../util/errors.js';
import { autostartDefinitions } from './definitions-phase.js';
import type { AutostartReport, AutostartResult } from './types.js';

export interface AutostartContext {
  root: HostRoot;
  bus: MdevBus;
  /** only these parents (kernel names); undefined: every parent */
  parents?: string[];
  /** how long a definition may wait for its parent or type to appear */
  waitMs: number;
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

export const DEFINITIONS_PHASE: AutostartPhase = { name: 'definitions', run: autostartDefinitions };

export async function runAutostart(ctx: AutostartContext, phases: AutostartPhase[] = [DEFINITIONS_PHASE]): Promise<AutostartReport> {
  const report: AutostartReport = { results: [], problems: [] };
  for (const phase of phases) {
    const r = await phase.run(ctx);
    report.results.push(...r.results);
    report.problems.push(...r.problems);
  }
  return report;
}

/**
 * The exit code of a run: 0 when everything started; otherwise the code of the failure that most
 * needs attention, in this order: the host itself, the lock, no capacity, refused by the driver, a
 * UUID conflict, a parent or type that never appeared, a broken store file.
 */
const PRECEDENCE: ExitCodeValue[] = [ExitCode.HOST, ExitCode.TIMEOUT, ExitCode.NO_CAPACITY, ExitCode.REFUSED,
  ExitCode.EXISTS, ExitCode.NOT_FOUND, ExitCode.BAD_VALUE, ExitCode.FAILURE];

export function autostartExitCode(report: AutostartReport): ExitCodeValue {
  const codes = new Set<number>(report.results.filter((r) => r.state === 'failed').map((r) => r.exitCode ?? ExitCode.FAILURE));
  if (report.problems.length > 0) codes.add(ExitCode.BAD_VALUE);
  if (codes.size === 0) return ExitCode.OK;
  return PRECEDENCE.find((c) => codes.has(c)) ?? ExitCode.FAILURE;
}
