// The waiting loop every autostart phase shares: a round takes the ledger lock, reads the host, starts
// what it can and says whether something is still waiting for a late parent or type; the loop sleeps
// (lock released) with a backoff and tries again until nothing waits or the run's wait is over. All
// phases of one run count against the same deadline, so `--wait S` bounds the whole run.

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run rounds until one reports nothing waiting. The round that starts at or after the deadline is
 * final: it must settle everything (report what never appeared) and return false.
 */
export async function runRounds(deadline: number, round: (final: boolean) => Promise<boolean>): Promise<void> {
  let delay = FIRST_RETRY_MS;
  for (;;) {
    if (!await round(Date.now() >= deadline)) return;
    // the lock is free while we sleep: the hook and nodedev-* must not queue behind a late parent
    await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/** What each waiting item waits for; a note is due when an item starts waiting or waits for something else now. */
export class Waits<W> {
  private readonly seen = new Map<string, W>();

  constructor(private readonly startedAt: number) {}

  /** Record that key waits for w; true the first time and when what it waits for changes (time to say so). */
  mark(key: string, w: W): boolean {
    const before = this.seen.get(key);
    this.seen.set(key, w);
    return before === undefined || JSON.stringify(before) !== JSON.stringify(w);
  }

  /** How long the run has waited for key (from the run's start), when it waited at all. */
  waited(key: string): { waitedMs: number; waitedFor: W } | undefined {
    const w = this.seen.get(key);
    return w === undefined ? undefined : { waitedMs: Date.now() - this.startedAt, waitedFor: w };
  }
}
