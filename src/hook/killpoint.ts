// Fault injection for tests: VIRT_MDEV_TEST_KILL_AT=<step>[:<n>] makes the hook SIGKILL itself the
// n-th time (default 1st) it reaches <step>, so tests can prove that a crash at any step leaks
// nothing. Honoured only on a simulated host: a production hook can never be made to kill itself.
import type { HostRoot } from '../host/root.js';

import type { PoolKillStep } from '../pools/member.js';

export type KillStep =
  | 'prepare-locked' | 'prepare-intent' | 'prepare-created' | 'prepare-committed'
  | 'draw-intent' | 'draw-removed' | 'draw-created'
  | 'release-locked' | 'release-marked' | 'release-removed' | 'release-return' | 'release-committed'
  | PoolKillStep;

export const KILL_STEPS: readonly KillStep[] = [
  'prepare-locked', 'prepare-intent', 'prepare-created', 'prepare-committed',
  'draw-intent', 'draw-removed', 'draw-created',
  'release-locked', 'release-marked', 'release-removed', 'release-return', 'release-committed',
  'pool-member-intent', 'pool-member-created',
];

export function makeKillPoint(root: HostRoot, env: NodeJS.ProcessEnv = process.env): (step: KillStep) => void {
  const spec = env.VIRT_MDEV_TEST_KILL_AT;
  if (!spec || !root.isSimulated) return () => {};
  const [want, nth] = spec.split(':');
  const n = nth ? Number(nth) : 1;
  let seen = 0;
  return (step) => {
    if (step !== want) return;
    seen += 1;
    if (seen === n) process.kill(process.pid, 'SIGKILL');
  };
}
