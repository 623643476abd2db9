// `virt-mdev autostart`: what boot (virt-mdev-autostart.service) and a parent's registration
// (virt-mdev-autostart@<parent>.service, asked for by our udev rule) run. Phases run in order and
// share one deadline: single definitions first, so that a device someone defined by hand gets its
// capacity before pools take what is left; then pools.
import { ExitCode, type ExitCodeValue } from '../util/errors.js';
import { autostartDefinitions } from './definitions-phase.js';
import { autostartPools } from './pools-phase.js';
import type { AutostartContext, AutostartPhase, AutostartReport } from './types.js';

export type { AutostartContext, AutostartPhase } from './types.js';

export const DEFINITIONS_PHASE: AutostartPhase = { name: 'definitions', run: autostartDefinitions };
export const POOLS_PHASE: AutostartPhase = { name: 'pools', run: autostartPools };

export async function runAutostart(ctx: AutostartContext, phases: AutostartPhase[] = [DEFINITIONS_PHASE, POOLS_PHASE]): Promise<AutostartReport> {
  const run = { ...ctx, startedAt: ctx.startedAt ?? Date.now() };
  const report: AutostartReport = { results: [], problems: [] };
  for (const phase of phases) {
    const r = await phase.run(run);
    report.results.push(...r.results);
    report.problems.push(...r.problems);
  }
  return report;
}

/**
 * The exit code of a run: 0 when everything started; otherwise the code of the failure that most
 * needs attention, in this order: the host itself, the lock, no capacity, refused by the driver, a
 * UUID conflict, a parent or type that never appeared, a broken store or pool file.
 */
const PRECEDENCE: ExitCodeValue[] = [ExitCode.HOST, ExitCode.TIMEOUT, ExitCode.NO_CAPACITY, ExitCode.REFUSED,
  ExitCode.EXISTS, ExitCode.NOT_FOUND, ExitCode.BAD_VALUE, ExitCode.BAD_XML, ExitCode.FAILURE];

export function autostartExitCode(report: AutostartReport): ExitCodeValue {
  const codes = new Set<number>(report.results.filter((r) => r.state === 'failed' || r.state === 'incomplete').map((r) => r.exitCode ?? ExitCode.FAILURE));
  if (report.problems.length > 0) codes.add(ExitCode.BAD_VALUE);
  if (codes.size === 0) return ExitCode.OK;
  return PRECEDENCE.find((c) => codes.has(c)) ?? ExitCode.FAILURE;
}
