// Property-based runs (fast-check) with a bounded number of runs in `npm test` and more on request:
// VIRT_MDEV_PROPERTY_RUNS=10000 npx ava dist/test/…; a failure names the seed and path to replay it
// (VIRT_MDEV_PROPERTY_SEED=… VIRT_MDEV_PROPERTY_PATH=…).
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';

/** Runs per property: `fallback` in `npm test`, VIRT_MDEV_PROPERTY_RUNS when set. */
export function propertyRuns(fallback: number): number {
  const n = Number(process.env.VIRT_MDEV_PROPERTY_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function parameters<Ts>(runs: number): fc.Parameters<Ts> {
  const seedEnv = process.env.VIRT_MDEV_PROPERTY_SEED;
  const params: fc.Parameters<Ts> = { numRuns: propertyRuns(runs) };
  if (seedEnv !== undefined && seedEnv !== '') {
    params.seed = Number(seedEnv);
    if (process.env.VIRT_MDEV_PROPERTY_PATH) params.path = process.env.VIRT_MDEV_PROPERTY_PATH;
  }
  return params;
}

function report<Ts>(t: ExecutionContext, details: fc.RunDetails<Ts>): void {
  if (!details.failed) {
    t.pass();
    return;
  }
  const replay = `replay: VIRT_MDEV_PROPERTY_SEED=${details.seed}${details.counterexamplePath ? ` VIRT_MDEV_PROPERTY_PATH=${details.counterexamplePath}` : ''} npx ava ${t.title ? `--match '${t.title.replace(/'/g, "'\\''")}' ` : ''}<this test file>`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  t.fail(`${fc.defaultReportMessage(details) ?? 'property failed'}\n${error}\n${replay}`);
}

/** Check a property; on failure the test fails with fast-check's report and the line that replays it. */
export function checkProperty<Ts>(t: ExecutionContext, property: fc.IProperty<Ts>, runs: number): void {
  report(t, fc.check(property, parameters<Ts>(runs)));
}

/** checkProperty for a property whose check is asynchronous (e.g. runs processes) */
export async function checkAsyncProperty<Ts>(t: ExecutionContext, property: fc.IAsyncProperty<Ts>, runs: number): Promise<void> {
  report(t, await fc.check(property, parameters<Ts>(runs)));
}
