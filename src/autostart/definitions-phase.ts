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
import { neverAppearedMessage, waitingNote } from './report.js';
import { runRounds, Waits } from './rounds.js';
import type { AutostartContext, AutostartResult, DefinitionResult } from './types.js';

const keyOf = (d: MdevDefinition): string => `${d.parent}\0${d.uuid}\0${d.file}`;

function baseResult(d: MdevDefinition): Pick<DefinitionResult, 'kind' | 'uuid' | 'parent' | 'type' | 'file'> {
  return { kind: 'definition', uuid: d.uuid, parent: d.parent, type: d.type, file: d.file };
}

function neverAppeared(d: MdevDefinition, waitedFor: 'parent' | 'type', waitMs: number, waitedMs: number): DefinitionResult {
  const message = neverAppearedMessage({ for: waitedFor, parent: d.parent }, d.type, d.file, waitMs);
  return { ...baseResult(d), state: 'failed', exitCode: ExitCode.NOT_FOUND, reason: waitedFor === 'parent' ? 'parent-absent' : 'no-type', message, waitedMs, waitedFor };
}

interface Round {
  /** definitions still waiting, with what they wait for */
  waiting: Map<string, 'parent' | 'type'>;
}

class DefinitionsRun {
  private readonly started: number;
  private readonly waits: Waits<'parent' | 'type'>;
  private pending: Set<string> | undefined;
  readonly results: AutostartResult[] = [];
  problems: StoreProblem[] = [];

  constructor(private readonly ctx: AutostartContext) {
    this.started = ctx.startedAt ?? Date.now();
    this.waits = new Waits(this.started);
  }

  private emit(r: AutostartResult): void {
    this.results.push(r);
    this.ctx.onResult?.(r);
  }

  private select(defs: MdevDefinition[]): MdevDefinition[] {
    const only = this.ctx.parents;
    return defs.filter((d) => d.start === 'auto' && (!only || only.includes(d.parent)));
  }

  private waited(d: MdevDefinition): Pick<DefinitionResult, 'waitedMs' | 'waitedFor'> {
    return this.waits.waited(keyOf(d)) ?? {};
  }

  private async apply(a: AutostartAction, final: boolean, round: Round): Promise<void> {
    const d = a.def;
    switch (a.kind) {
      case 'already-active': return this.emit({ ...baseResult(d), state: 'already-active', ...this.waited(d) });
      case 'skip': return this.emit({ ...baseResult(d), state: 'skipped', reason: a.reason, message: a.message });
      case 'fail': return this.emit({ ...baseResult(d), state: 'failed', exitCode: a.exitCode, reason: a.reason, message: a.message, ...this.waited(d) });
      case 'wait':
        if (final) return this.emit(neverAppeared(d, a.for, this.ctx.waitMs, Date.now() - this.started));
        if (this.waits.mark(keyOf(d), a.for)) this.ctx.onNote?.(`${waitingNote({ for: a.for, parent: d.parent }, d.type, this.ctx.waitMs)} (${d.uuid})`);
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
    await runRounds(this.started + this.ctx.waitMs, async (final) => (await this.round(final)).waiting.size > 0);
  }
}

export async function autostartDefinitions(ctx: AutostartContext): Promise<{ results: AutostartResult[]; problems: StoreProblem[] }> {
  const run = new DefinitionsRun(ctx);
  await run.run();
  return { results: run.results, problems: run.problems };
}
