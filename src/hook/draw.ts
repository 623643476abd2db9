// A draw under the ledger lock: libvirt never lets a hook change a normal start's XML, so the domain's
// device keeps the UUID in its definition; the pool's capacity is handed over by removing a free
// member and creating the domain's UUID on the same parent with the pool's type. Nothing that goes
// through virt-mdev can come between (it all takes the ledger lock); something outside it (mdevctl,
// raw sysfs) can, and then the next free member is tried and the lost one is left to `virt-mdev gc`.
import { listRunningDomains } from '../ledger/running.js';
import { dropEntry, findEntry, notOurDevice, setState, type LedgerTxn } from '../ledger/store.js';
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import { createMember, type MemberOps } from '../pools/member.js';
import { poolMemberUuid } from '../pools/types.js';
import { ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import type { HookContext } from './context.js';
import type { ManagedStep } from './plan.js';
import { exhausted, type DrawMember } from './pool-draw.js';

/** A free member is open to nobody: its remove finishes at once, and the lock is held meanwhile. */
const DRAW_REMOVE_BOUND_MS = 5_000;

function memberOps(ctx: HookContext): MemberOps {
  return { bus: ctx.bus, kill: (step) => ctx.kill(step), log: (a, f) => ctx.log.log(a, f) };
}

/**
 * Make member k of a pool free again once the domain's device that replaced it is gone: created anew,
 * or, when an interrupted draw never removed it, simply marked free. On failure gc re-creates it later.
 */
export async function restoreMember(ctx: HookContext, txn: LedgerTxn, pool: string, type: string, member: number, parent: string): Promise<boolean> {
  const own = findEntry(txn.ledger, poolMemberUuid(pool, member));
  if (own && own.domain === undefined) {
    const dev = ctx.bus.findDevice(own.uuid);
    if (dev && !notOurDevice(own, dev)) {
      setState(own, 'active');
      txn.commit();
      return true;
    }
    dropEntry(txn.ledger, own.uuid);
  } else if (own) {
    return false; // an unmanaged hostdev holds it: it exists
  }
  try {
    await createMember(memberOps(ctx), txn, pool, type, member, parent);
    return true;
  } catch (e) {
    ctx.log.log('pool-member-missing', { pool, member, parent, type, message: (e as Error).message, note: "left for 'virt-mdev gc'" });
    return false;
  }
}

interface Claim { s: ManagedStep; c: DrawMember; me: LedgerEntry; lent: LedgerEntry }

/** The next free member of the step's pool not drawn yet, marked in memory: leaving, and the domain's device coming. */
function claim(txn: LedgerTxn, domain: DomainRef, s: ManagedStep, drawn: Set<string>): Claim | undefined {
  const { def, members } = s.pool!;
  for (const c of members) {
    const me = findEntry(txn.ledger, c.uuid);
    if (drawn.has(c.uuid) || !me || me.domain !== undefined || me.state !== 'active') continue;
    drawn.add(c.uuid);
    const now = new Date().toISOString();
    const lent: LedgerEntry = {
      uuid: s.m.uuid, parent: c.parent, type: def.type, state: 'creating', origin: 'created', pool: def.name, member: c.member, domain,
      createdAt: now, updatedAt: now, pid: process.pid,
    };
    setState(me, 'removing', `drawn for ${domain.name} as ${s.m.uuid}`);
    txn.ledger.devices.push(lent);
    return { s, c, me, lent };
  }
  return undefined;
}

function unclaim(txn: LedgerTxn, cl: Claim): void {
  setState(cl.me, 'active');
  dropEntry(txn.ledger, cl.lent.uuid);
}

type RemoveResult = 'removed' | 'absent' | 'timeout' | string;

/** After the member's remove: create the domain's device in its place. 'retry' when the next member must be tried. */
async function replace(ctx: HookContext, txn: LedgerTxn, cl: Claim, removal: RemoveResult): Promise<'drawn' | 'retry'> {
  const { s, c, me } = cl;
  const { def } = s.pool!;
  if (removal !== 'removed' && removal !== 'absent') {
    // something holds the free member open: it goes once let go, and gc then makes it again
    setState(me, 'abandoned', `draw remove: ${removal}`);
    dropEntry(txn.ledger, s.m.uuid);
    txn.commit();
    ctx.log.log('draw-skip', { pool: def.name, member: c.member, uuid: c.uuid, outcome: removal, hostdev: s.m.n });
    return 'retry';
  }
  try {
    await ctx.bus.create(c.parent, def.type, s.m.uuid);
  } catch (e) {
    dropEntry(txn.ledger, s.m.uuid);
    dropEntry(txn.ledger, c.uuid);
    txn.commit();
    const lost = isVirtMdevError(e) && (e.exitCode === ExitCode.NO_CAPACITY || e.exitCode === ExitCode.REFUSED);
    ctx.log.log(lost ? 'draw-lost' : 'draw-failed', { pool: def.name, member: c.member, uuid: c.uuid, parent: c.parent, hostdev: s.m.n, message: (e as Error).message });
    // the instance went to someone outside virt-mdev between our remove and our create: the
    // member is missing until gc makes it again; the next one is tried
    if (lost) return 'retry';
    await restoreMember(ctx, txn, def.name, def.type, c.member, c.parent);
    if (isVirtMdevError(e)) throw new VirtMdevError(e.exitCode, e.reason, `${s.what}: cannot create it as ${def.type} on ${c.parent} in place of member ${c.member} of pool ${def.name}: ${e.message}`, { cause: e });
    throw e;
  }
  ctx.kill('draw-created');
  dropEntry(txn.ledger, c.uuid);
  txn.commit();
  ctx.log.log('draw', { uuid: s.m.uuid, pool: def.name, member: c.member, from: c.uuid, parent: c.parent, type: def.type, hostdev: s.m.n });
  return 'drawn';
}

function exhaustedFor(ctx: HookContext, txn: LedgerTxn, s: ManagedStep): VirtMdevError {
  const view = { ledger: txn.ledger, devices: ctx.bus.listDevices(), running: listRunningDomains(ctx.root) };
  return exhausted(s.what, view, s.pool!.def, { free: 0, drawnHere: 0, parent: s.m.parent });
}

/**
 * Draw a member for every step, under the lock: the intents of all in one commit, the members'
 * removes at once (each a child process: in parallel they cost one), then each domain device created
 * in order. A member that could not be had is replaced by the next free one. `onDrawn` records each
 * success for the rollback; on a throw, what this call claimed and did not finish is put back.
 */
export async function drawAll(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, steps: ManagedStep[], drawn: Set<string>, onDrawn: (s: ManagedStep) => void): Promise<void> {
  let pending = steps;
  while (pending.length > 0) {
    const claims: Claim[] = [];
    for (const s of pending) {
      const cl = claim(txn, domain, s, drawn);
      if (!cl) {
        for (const c of claims) unclaim(txn, c);
        throw exhaustedFor(ctx, txn, s);
      }
      claims.push(cl);
    }
    // intent first, in one commit: the members are on their way out, the domain's devices on their way in
    txn.commit();
    ctx.kill('draw-intent');
    const bound = Math.min(ctx.cfg.removeTimeoutMs, DRAW_REMOVE_BOUND_MS);
    const removals = (await ctx.bus.removeEach(claims.map((cl) => cl.c.uuid), { timeoutMs: bound })).map((r) => (r instanceof Error ? r.message : r));
    ctx.kill('draw-removed');
    const retry: ManagedStep[] = [];
    // the creates (and a failure's re-created members) as one batch of kernel writes; no remove waits in it
    const replaceAll = async (): Promise<void> => {
      for (let i = 0; i < claims.length; i++) {
        try {
          if ((await replace(ctx, txn, claims[i], removals[i])) === 'drawn') onDrawn(claims[i].s);
          else retry.push(claims[i].s);
        } catch (e) {
          await giveBack(ctx, txn, claims.slice(i + 1), removals.slice(i + 1));
          throw e;
        }
      }
    };
    await (ctx.bus.writeBatch ? ctx.bus.writeBatch(replaceAll) : replaceAll());
    pending = retry;
  }
}

/** Claims a failed draw did not get to: their members come back (or, still held open, are left to gc). */
async function giveBack(ctx: HookContext, txn: LedgerTxn, claims: Claim[], removals: RemoveResult[]): Promise<void> {
  for (let i = 0; i < claims.length; i++) {
    const { s, c, me, lent } = claims[i];
    dropEntry(txn.ledger, lent.uuid);
    if (removals[i] === 'removed' || removals[i] === 'absent') await restoreMember(ctx, txn, s.pool!.def.name, s.pool!.def.type, c.member, c.parent);
    else setState(me, 'abandoned', `draw remove: ${removals[i]}`);
  }
  txn.commit();
}

/** Roll one draw back: the domain's device goes, the member it replaced comes back. */
export async function undoDraw(ctx: HookContext, txn: LedgerTxn, uuid: string): Promise<void> {
  const e = findEntry(txn.ledger, uuid);
  if (!e || e.pool === undefined || e.member === undefined) return;
  const outcome = await ctx.bus.remove(uuid, { timeoutMs: ctx.cfg.removeTimeoutMs }).catch((err: unknown) => (err as Error).message);
  ctx.log.log('rollback-remove', { uuid, outcome, pool: e.pool, member: e.member });
  if (outcome !== 'removed' && outcome !== 'absent') {
    setState(e, 'abandoned', `rollback remove: ${outcome}`);
    txn.commit();
    return;
  }
  dropEntry(txn.ledger, uuid);
  await restoreMember(ctx, txn, e.pool, e.type, e.member, e.parent);
}
