// Phase two of autostart: every pool with an autostart link is filled to its size. Members that exist
// count; the rest are created by fillPool under the ledger lock, each round on a fresh snapshot. A
// pool whose parents have not registered (or do not offer its type yet) keeps what fits and waits for
// the rest, with the lock released, until the run's wait is over; a pool its parents cannot hold
// keeps what fits and says what is missing.
import { withLedger, type LedgerTxn } from '../ledger/store.js';
import type { MdevParent } from '../mdevbus/types.js';
import { fillPool, listAutostartPools, poolFile, poolMemberUuid, shortfallError, type FillReport, type PoolDefinition } from '../pools/index.js';
import { ExitCode, isVirtMdevError, type VirtMdevError } from '../util/errors.js';
import { poolConcerns, poolLate } from './pool-plan.js';
import { neverAppearedMessage, waitingNote } from './report.js';
import { runRounds, Waits } from './rounds.js';
import type { AutostartContext, AutostartReport, Late, PoolMemberResult, PoolResult } from './types.js';

type PoolBase = Pick<PoolResult, 'kind' | 'pool' | 'type' | 'size' | 'file' | 'members' | 'created' | 'missing'>;

class PoolsRun {
  private readonly started: number;
  private readonly waits: Waits<Late>;
  /** pools still waiting after the last round; undefined before the first */
  private pending: Set<string> | undefined;
  /** members created in earlier rounds of this run, per pool */
  private readonly created = new Map<string, PoolMemberResult[]>();
  readonly results: PoolResult[] = [];

  constructor(private readonly ctx: AutostartContext) {
    this.started = ctx.startedAt ?? Date.now();
    this.waits = new Waits(this.started);
  }

  private emit(r: PoolResult): void {
    this.results.push(r);
    this.ctx.onResult?.(r);
  }

  private base(def: Pick<PoolDefinition, 'name' | 'type' | 'size'>): PoolBase {
    return { kind: 'pool', pool: def.name, type: def.type, size: def.size, file: poolFile(this.ctx.root, def.name), members: 0, created: this.created.get(def.name) ?? [], missing: [] };
  }

  private waited(name: string): Pick<PoolResult, 'waitedMs' | 'waitedFor' | 'waitedOn'> {
    const w = this.waits.waited(name);
    return w ? { waitedMs: w.waitedMs, waitedFor: w.waitedFor.for, ...(w.waitedFor.parent === undefined ? {} : { waitedOn: w.waitedFor.parent }) } : {};
  }

  private wait(def: PoolDefinition, late: Late, waiting: Set<string>): void {
    if (this.waits.mark(def.name, late)) this.ctx.onNote?.(`${waitingNote(late, def.type, this.ctx.waitMs)} (pool ${def.name})`);
    waiting.add(def.name);
  }

  private failed(def: Pick<PoolDefinition, 'name' | 'type' | 'size'>, e: VirtMdevError): void {
    this.emit({ ...this.base(def), state: 'failed', exitCode: e.exitCode, reason: e.reason, message: e.message, ...this.waited(def.name) });
  }

  /** The outcome of a fill that is final: complete, or what fits and why the rest is missing. */
  private settle(def: PoolDefinition, fill: FillReport, late: Late | undefined): void {
    const base = this.base(def);
    const members = fill.present.length + fill.created.length + fill.taken.length;
    const r = { ...base, members, ...this.waited(def.name) };
    const err = shortfallError(def, fill, `pool-start ${def.name}`);
    if (!err) return this.emit({ ...r, state: base.created.length > 0 ? 'started' : 'already-active' });
    const reasons = fill.missing.filter((m) => !late || m.code !== ExitCode.NOT_FOUND).map((m) => m.reason);
    const why = [...new Set([...(late ? [neverAppearedMessage(late, def.type, base.file, this.ctx.waitMs)] : []), ...reasons])];
    this.emit({
      ...r, state: members > 0 ? 'incomplete' : 'failed', exitCode: err.exitCode, reason: err.reason, message: why.join('; '),
      missing: fill.missing.map((m) => ({ member: m.member, uuid: poolMemberUuid(def.name, m.member), exitCode: m.code, reason: m.reason })),
    });
  }

  private async startOne(txn: LedgerTxn, def: PoolDefinition, bus: readonly MdevParent[], final: boolean, waiting: Set<string>): Promise<void> {
    const concerns = poolConcerns(def, this.ctx.parents, bus);
    if (concerns === false) return;
    if (concerns !== true) {
      // at the end, a parent that never showed its types was never this pool's to start
      if (!final) this.wait(def, concerns, waiting);
      return;
    }
    let fill: FillReport;
    try {
      fill = await fillPool({ bus: this.ctx.bus }, txn, def);
    } catch (e) {
      if (!isVirtMdevError(e)) throw e;
      return this.failed(def, e);
    }
    const made = [...fill.created, ...fill.taken].map((p) => ({ member: p.member, uuid: poolMemberUuid(def.name, p.member), parent: p.parent }));
    this.created.set(def.name, [...(this.created.get(def.name) ?? []), ...made]);
    const late = fill.missing.length > 0 ? poolLate(def, fill) : undefined;
    if (late && !final) return this.wait(def, late, waiting);
    this.settle(def, fill, late);
  }

  /** One round under the ledger lock; the pools still waiting. */
  private async round(final: boolean): Promise<Set<string>> {
    return withLedger(this.ctx.root, async (txn) => {
      const marked = listAutostartPools(this.ctx.root);
      let pools = marked.pools;
      if (this.pending === undefined) {
        // a link whose pool cannot be read concerns no parent we could tell: the boot run reports it
        if (!this.ctx.parents) {
          for (const p of marked.problems) {
            if (p.error.reason === 'no-pool') this.emit({ ...this.base({ name: p.name, type: '', size: 0 }), state: 'skipped', reason: p.error.reason, message: p.error.message });
            else this.failed({ name: p.name, type: '', size: 0 }, p.error);
          }
        }
      } else {
        for (const name of this.pending) {
          if (pools.some((d) => d.name === name)) continue;
          this.emit({ ...this.base({ name, type: '', size: 0 }), state: 'skipped', reason: 'undefined',
            message: 'was undefined or its autostart disabled while waiting: not started (members it already had stay)' });
        }
        pools = pools.filter((d) => this.pending!.has(d.name));
      }
      const waiting = new Set<string>();
      // which pools a parent concerns depends on the types it offers, not on what the fills take
      const bus = this.ctx.bus.listParents();
      for (const def of pools) await this.startOne(txn, def, bus, final, waiting);
      this.pending = waiting;
      return waiting;
    }, { lockTimeoutMs: this.ctx.lockTimeoutMs });
  }

  async run(): Promise<void> {
    await runRounds(this.started + this.ctx.waitMs, async (final) => (await this.round(final)).size > 0);
  }
}

export async function autostartPools(ctx: AutostartContext): Promise<AutostartReport> {
  const run = new PoolsRun(ctx);
  await run.run();
  return { results: run.results, problems: [] };
}
