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
import { exhausted } from './pool-draw.js';

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

/** Draw one free member of the step's pool for the domain; throws the pool's message when none can be had. */
export async function drawMember(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, s: ManagedStep, drawn: Set<string>): Promise<void> {
  const { m, what } = s;
  const { def, members } = s.pool!;
  for (const c of members) {
    const me = findEntry(txn.ledger, c.uuid);
    if (drawn.has(c.uuid) || !me || me.domain !== undefined || me.state !== 'active') continue;
    drawn.add(c.uuid);
    const now = new Date().toISOString();
    const lent: LedgerEntry = {
      uuid: m.uuid, parent: c.parent, type: def.type, state: 'creating', origin: 'created', pool: def.name, member: c.member, domain,
      createdAt: now, updatedAt: now, pid: process.pid,
    };
    // intent first, in one commit: the member is on its way out, the domain's device on its way in
    setState(me, 'removing', `drawn for ${domain.name} as ${m.uuid}`);
    txn.ledger.devices.push(lent);
    txn.commit();
    ctx.kill('draw-intent');
    const outcome = await ctx.bus.remove(c.uuid, { timeoutMs: Math.min(ctx.cfg.removeTimeoutMs, DRAW_REMOVE_BOUND_MS) })
      .catch((err: unknown) => (err as Error).message);
    if (outcome !== 'removed' && outcome !== 'absent') {
      // something holds the free member open: it goes once let go, and gc then makes it again
      setState(me, 'abandoned', `draw remove: ${outcome}`);
      dropEntry(txn.ledger, m.uuid);
      txn.commit();
      ctx.log.log('draw-skip', { pool: def.name, member: c.member, uuid: c.uuid, outcome, hostdev: m.n });
      continue;
    }
    ctx.kill('draw-removed');
    try {
      await ctx.bus.create(c.parent, def.type, m.uuid);
    } catch (e) {
      dropEntry(txn.ledger, m.uuid);
      dropEntry(txn.ledger, c.uuid);
      txn.commit();
      const lost = isVirtMdevError(e) && (e.exitCode === ExitCode.NO_CAPACITY || e.exitCode === ExitCode.REFUSED);
      ctx.log.log(lost ? 'draw-lost' : 'draw-failed', { pool: def.name, member: c.member, uuid: c.uuid, parent: c.parent, hostdev: m.n, message: (e as Error).message });
      // the instance went to someone outside virt-mdev between our remove and our create: the
      // member is missing until gc re-creates it; try the next one
      if (lost) continue;
      await restoreMember(ctx, txn, def.name, def.type, c.member, c.parent);
      if (isVirtMdevError(e)) throw new VirtMdevError(e.exitCode, e.reason, `${what}: cannot create it as ${def.type} on ${c.parent} in place of member ${c.member} of pool ${def.name}: ${e.message}`, { cause: e });
      throw e;
    }
    ctx.kill('draw-created');
    dropEntry(txn.ledger, c.uuid);
    txn.commit();
    ctx.log.log('draw', { uuid: m.uuid, pool: def.name, member: c.member, from: c.uuid, parent: c.parent, type: def.type, hostdev: m.n });
    return;
  }
  const view = { ledger: txn.ledger, devices: ctx.bus.listDevices(), running: listRunningDomains(ctx.root) };
  throw exhausted(what, view, def, { free: 0, drawnHere: 0, parent: m.parent });
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
