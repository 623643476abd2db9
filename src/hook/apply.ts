// Carrying out the managed part of a prepare plan, under the ledger lock the plan was made under.
// Intent is recorded before every kernel write (for all of a prepare's creates in one commit), so a
// crash at any point leaves either no device or a device with a ledger entry; a failure undoes what
// this call did (all or nothing).
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import { dropEntry, findEntry, setState, type LedgerTxn } from '../ledger/store.js';
import { ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import type { HookContext } from './context.js';
import { drawAll, undoDraw } from './draw.js';
import type { ManagedStep, MemberHold } from './plan.js';
import { noCapacity } from './policy.js';

export interface Touched {
  uuid: string;
  kind: 'created' | 'adopted' | 'reused' | 'drawn' | 'held';
}

/** The intent of a create: recorded (and committed) before the kernel is asked, on the first parent to try. */
function intentEntry(domain: DomainRef, s: ManagedStep): LedgerEntry {
  const now = new Date().toISOString();
  return {
    uuid: s.m.uuid, parent: s.candidates[0]!, type: s.type, state: 'creating', origin: 'created', domain,
    createdAt: now, updatedAt: now, pid: process.pid,
  };
}

/** A create step and its intent entry in the ledger */
interface PlannedCreate {
  s: ManagedStep;
  entry: LedgerEntry;
}

/**
 * One create, whose intent is committed already. `intents` holds the entries that are only an
 * intent (no device made): this one leaves it once the kernel has made the device.
 */
async function create(ctx: HookContext, txn: LedgerTxn, { s, entry }: PlannedCreate, touched: Touched[], intents: Set<LedgerEntry>): Promise<void> {
  const { m, type, what } = s;
  for (let i = 0; i < s.candidates.length; i++) {
    if (i > 0) {
      // the intent must name the parent written to: a crash after this create still leaves its record
      entry.parent = s.candidates[i]!;
      txn.commit();
    }
    ctx.kill('prepare-intent');
    try {
      await ctx.bus.create(entry.parent, type, m.uuid);
      intents.delete(entry);
      touched.push({ uuid: m.uuid, kind: 'created' });
      ctx.kill('prepare-created');
      ctx.log.log('create', { uuid: m.uuid, parent: entry.parent, type, hostdev: m.n });
      return;
    } catch (e) {
      // another creator took the capacity between our look and our write: try the next parent
      const retry = isVirtMdevError(e) && e.exitCode === ExitCode.NO_CAPACITY && m.parent === undefined && i + 1 < s.candidates.length;
      ctx.log.log('create-failed', { uuid: m.uuid, parent: entry.parent, type, hostdev: m.n, reason: isVirtMdevError(e) ? e.reason : 'error', message: (e as Error).message, retry });
      if (retry) continue;
      if (isVirtMdevError(e) && e.exitCode === ExitCode.NO_CAPACITY && m.parent === undefined) throw noCapacity(what, type, ctx.bus.listParents());
      if (isVirtMdevError(e)) throw new VirtMdevError(e.exitCode, e.reason, `${what}: cannot create it as ${type} on ${entry.parent}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}

/** What every step does first: take over a stopped domain's entry, forget the record of a device that is gone. */
function prelude(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, s: ManagedStep): void {
  const entry = findEntry(txn.ledger, s.m.uuid);
  if (s.takeOver && entry) {
    ctx.log.log('take-over', { uuid: s.m.uuid, from: s.takeOver.from, hostdev: s.m.n });
    entry.domain = domain;
  }
  if (s.dropStale && s.action !== 'reuse') dropEntry(txn.ledger, s.m.uuid); // our record of a device that is gone (e.g. removed by hand)
}

/**
 * The ledger side of the steps other than draws, in order, in memory: reuses and adoptions are
 * recorded, and each create's intent. Returns the creates, for the kernel.
 */
function record(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, steps: ManagedStep[], touched: Touched[]): PlannedCreate[] {
  const creates: PlannedCreate[] = [];
  for (const s of steps) {
    const { m } = s;
    prelude(ctx, txn, domain, s);
    const entry = findEntry(txn.ledger, m.uuid);
    if (s.action === 'reuse' && entry) {
      setState(entry, 'creating');
      touched.push({ uuid: m.uuid, kind: 'reused' });
      ctx.log.log('reuse', { uuid: m.uuid, parent: s.parent, type: s.type, hostdev: m.n });
    } else if (s.action === 'adopt') {
      const now = new Date().toISOString();
      txn.ledger.devices.push({ uuid: m.uuid, parent: s.parent, type: s.type, state: 'creating', origin: 'adopted', domain, createdAt: now, updatedAt: now, pid: process.pid });
      touched.push({ uuid: m.uuid, kind: 'adopted' });
      ctx.log.log('adopt', { uuid: m.uuid, parent: s.parent, type: s.type, hostdev: m.n });
    } else {
      const intent = intentEntry(domain, s);
      txn.ledger.devices.push(intent);
      creates.push({ s, entry: intent });
    }
  }
  return creates;
}

export async function rollback(ctx: HookContext, txn: LedgerTxn, touched: Touched[]): Promise<void> {
  for (const t of [...touched].reverse()) {
    const e = findEntry(txn.ledger, t.uuid);
    if (t.kind === 'drawn') {
      await undoDraw(ctx, txn, t.uuid);
    } else if (t.kind === 'held') {
      if (e) { delete e.domain; setState(e, 'active'); }
    } else if (t.kind === 'created') {
      const outcome = await ctx.bus.remove(t.uuid, { timeoutMs: ctx.cfg.removeTimeoutMs }).catch((err: unknown) => (err as Error).message);
      ctx.log.log('rollback-remove', { uuid: t.uuid, outcome });
      if (outcome === 'removed' || outcome === 'absent') dropEntry(txn.ledger, t.uuid);
      else if (e) setState(e, 'abandoned', `rollback remove: ${outcome}`);
    } else if (t.kind === 'adopted') {
      dropEntry(txn.ledger, t.uuid);
      ctx.log.log('rollback-forget', { uuid: t.uuid });
    } else if (e) {
      setState(e, 'active'); // created by an earlier prepare of this domain: its release removes it
    }
  }
  txn.commit();
}

/** Pool members named by unmanaged hostdevs are held by the domain (recorded, not changed on the host). */
function hold(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, holds: MemberHold[], touched: Touched[]): void {
  for (const h of holds) {
    const e = findEntry(txn.ledger, h.uuid);
    if (!e) continue;
    e.domain = domain;
    setState(e, 'active');
    touched.push({ uuid: h.uuid, kind: 'held' });
    ctx.log.log('hold', { uuid: h.uuid, pool: h.pool, member: h.member, hostdev: h.n });
  }
}

/** Apply the steps in order; on the first failure undo them and rethrow. The caller holds the lock. */
export async function applyManaged(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, steps: ManagedStep[], holds: MemberHold[] = []): Promise<void> {
  const touched: Touched[] = [];
  let intents = new Set<LedgerEntry>();
  const draws = steps.filter((s) => s.action === 'draw');
  try {
    hold(ctx, txn, domain, holds, touched);
    // draws first, all at once: their removes run in parallel
    for (const s of draws) prelude(ctx, txn, domain, s);
    await drawAll(ctx, txn, domain, draws, new Set(), (s) => touched.push({ uuid: s.m.uuid, kind: 'drawn' }));
    const creates = record(ctx, txn, domain, steps.filter((s) => s.action !== 'draw'), touched);
    intents = new Set(creates.map((c) => c.entry));
    if (creates.length > 0) {
      // intent first, ONE commit for every create: a crash after any of them still leaves its record
      txn.commit();
      // one batch for the kernel's writes (on a simulated host, one hold of its lock); no remove in it
      const run = async (): Promise<void> => {
        for (const c of creates) await create(ctx, txn, c, touched, intents);
      };
      await (ctx.bus.writeBatch ? ctx.bus.writeBatch(run) : run());
    }
  } catch (e) {
    // intents of creates that failed or never ran: no device behind them
    for (const intent of intents) {
      const i = txn.ledger.devices.indexOf(intent);
      if (i >= 0) txn.ledger.devices.splice(i, 1);
    }
    await rollback(ctx, txn, touched);
    throw e;
  }
  // every entry of this prepare turns active in ONE commit: until then a crash leaves only
  // 'creating' entries, which gc may undo because the lock proves their writer is gone
  for (const t of touched) {
    const e = findEntry(txn.ledger, t.uuid);
    if (e) setState(e, 'active');
  }
  txn.commit();
  ctx.kill('prepare-committed');
}
