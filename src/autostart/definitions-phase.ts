// Phase one of autostart: every definition marked auto. Each round reads the store and the bus under
// the ledger lock, plans, and starts what can be started; definitions whose parent has not registered
// (or does not offer the type yet) are tried again after a backoff, with the lock released meanwhile,
// until the wait is over.
import * as path from 'node:path';
import { startDefinition } from '../definitions/start.js';
import { readStore } from '../definitions/store.js';
import type { MdevDefinition, StoreProblem } from '../definitions/types.js';
import { withLedger } from '../ledger/store.js';
import { ExitCode, isVirtMdevError } from '../util/errors.js';
import { planAutostart, type AutostartAction } from './plan.js';
import type { AutostartContext } from './run.js';
import type { AutostartResult } from './types.js';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 2000;

const keyOf = (d: MdevDefinition): string => `${d.parent}\0${d.uuid}\0${d.file}`;

function baseResult(d: MdevDefinition): Pick<AutostartResult, 'kind' | 'uuid' | 'parent' | 'type' | 'file'> {
  return { kind: 'definition', uuid: d.uuid, parent: d.parent, type: d.type, file: d.file };
}

function neverAppeared(d: MdevDefinition, waitedFor: 'parent' | 'type', waitMs: number, waitedMs: number): AutostartResult {
  const secs = `${waitMs / 1000} s`;
  const message = waitedFor === 'parent'
    ? `parent ${d.parent} did not register for mdev support within ${secs}: is its vendor driver loaded and bound? (start it later with 'virt-mdev autostart --parent ${d.parent}')`
    : `parent ${d.parent} did not offer type ${d.type} within ${secs}: is the vendor's daemon running, or is the type wrong in ${d.file}?`;
  return { ...baseResult(d), state: 'failed', exitCode: ExitCode.NOT_FOUND, reason: waitedFor === 'parent' ? 'parent-absent' : 'no-type', message, waitedMs, waitedFor };
}

interface Round {
  /** definitions still waiting, with what they wait for */
  waiting: Map<string, 'parent' | 'type'>;
}

class DefinitionsRun {
  private readonly started = Date.now();
  private readonly waitedFor = new Map<string, 'parent' | 'type'>();
  private pending: Set<string> | undefined;
  readonly results: AutostartResult[] = [];
  problems: StoreProblem[] = [];

  constructor(private readonly ctx: AutostartContext) {}

  private emit(r: AutostartResult): void {
    this.results.push(r);
    this.ctx.onResult?.(r);
  }

  private select(defs: MdevDefinition[]): MdevDefinition[] {
    const only = this.ctx.parents;
    return defs.filter((d) => d.start === 'auto' && (!only || only.includes(d.parent)));
  }

  private waited(d: MdevDefinition): Pick<AutostartResult, 'waitedMs' | 'waitedFor'> {
    const w = this.waitedFor.get(keyOf(d));
    return w ? { waitedMs: Date.now() - this.started, waitedFor: w } : {};
  }

  private async apply(a: AutostartAction, final: boolean, round: Round): Promise<void> {
    const d = a.def;
    switch (a.kind) {
      case 'already-active': return this.emit({ ...baseResult(d), state: 'already-active', ...this.waited(d) });
      case 'skip': return this.emit({ ...baseResult(d), state: 'skipped', reason: a.reason, message: a.message });
      case 'fail': return this.emit({ ...baseResult(d), state: 'failed', exitCode: a.exitCode, reason: a.reason, message: a.message, ...this.waited(d) });
      case 'wait':
        if (final) return this.emit(neverAppeared(d, a.for, this.ctx.waitMs, Date.now() - this.started));
        if (!this.waitedFor.has(keyOf(d))) this.ctx.onNote?.(`waiting up to ${this.ctx.waitMs / 1000} s for ${a.for === 'parent' ? `parent ${d.parent} to register` : `parent ${d.parent} to offer ${d.type}`} (${d.uuid})`);
        this.waitedFor.set(keyOf(d), a.for);
        round.waiting.set(keyOf(d), a.for);
        return;
      case 'start':
        try {
          const r = await startDefinition(this.ctx.root, this.ctx.bus, d);
          return this.emit({ ...baseResult(d), state: r.state, ...this.waited(d) });
        } catch (e) {
          // another autostarter (mdevctl's rule) may have created it between our read and our create
          const now = this.ctx.bus.findDevice(d.uuid);
          if (now && now.parent === d.parent && (now.typeId === d.type || now.typeId === '')) {
            return this.emit({ ...baseResult(d), state: 'already-active', ...this.waited(d) });
          }
          if (!isVirtMdevError(e)) throw e;
          return this.emit({ ...baseResult(d), state: 'failed', exitCode: e.exitCode, reason: e.reason, message: e.message, ...this.waited(d) });
        }
    }
  }

  /** One round under the ledger lock. */
  private async round(final: boolean): Promise<Round> {
    return withLedger(this.ctx.root, async () => {
      const store = readStore(this.ctx.root);
      let defs = this.select(store.definitions);
      if (this.pending === undefined) {
        this.problems = store.problems.filter((p) => !this.ctx.parents || this.ctx.parents.includes(path.basename(path.dirname(p.file))));
      } else {
        const now = new Set(defs.map(keyOf));
        for (const k of this.pending) {
          if (now.has(k)) continue;
          const [parent, uuid, file] = k.split('\0');
          this.emit({ kind: 'definition', uuid, parent, type: '', file, state: 'skipped', reason: 'undefined',
            message: `${file} was undefined or set to manual while waiting for its parent: not started` });
        }
        defs = defs.filter((d) => this.pending!.has(keyOf(d)));
      }
      const bus = { parents: this.ctx.bus.listParents(), devices: this.ctx.bus.listDevices() };
      const round: Round = { waiting: new Map() };
      for (const a of planAutostart(defs, bus)) await this.apply(a, final, round);
      this.pending = new Set(round.waiting.keys());
      return round;
    }, { lockTimeoutMs: this.ctx.lockTimeoutMs });
  }

  async run(): Promise<void> {
    const deadline = this.started + this.ctx.waitMs;
    let delay = FIRST_RETRY_MS;
    for (;;) {
      const round = await this.round(Date.now() >= deadline);
      if (round.waiting.size === 0) return;
      // the lock is free while we sleep: the hook and nodedev-* must not queue behind a late parent
      await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function autostartDefinitions(ctx: AutostartContext): Promise<{ results: AutostartResult[]; problems: StoreProblem[] }> {
  const run = new DefinitionsRun(ctx);
  await run.run();
  return { results: run.results, problems: run.problems };
}
