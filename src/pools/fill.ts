// Bring members of a pool into existence (pool-start, pool-resize up; later gc): members that exist
// stay, a device that already carries a member's UUID with the pool's type is taken as that member,
// the rest are planned over one bus snapshot and created. What does not fit is reported, and the
// members that fit stay. The caller holds the ledger lock.
import { dropEntry, notOurDevice, setState, type LedgerTxn } from '../ledger/store.js';
import type { MdevParent } from '../mdevbus/types.js';
import { ExitCode, isVirtMdevError, type ExitCodeValue } from '../util/errors.js';
import { createMember, memberEntry, type MemberOps } from './member.js';
import { describeOffers, offersOf, planPlacement, resolvePoolParents, type ParentOffer, type Placement } from './placement.js';
import { poolMemberUuid, type PoolDefinition } from './types.js';

export interface MissingMember {
  member: number;
  code: ExitCodeValue;
  reason: string;
}

export interface FillReport {
  /** members created now */
  created: Placement[];
  /** devices that already had a member's UUID and the pool's type, recorded as members now */
  taken: Placement[];
  /** members that exist (free or lent) and were left as they are */
  present: number[];
  missing: MissingMember[];
  /** the pool's parents as last seen */
  offers: ParentOffer[];
  /** named parents not on this host */
  absent: string[];
}

/** Errors after which another parent may still work: no room, the driver refused, the parent went away. */
const PARENT_TROUBLE: readonly number[] = [ExitCode.NO_CAPACITY, ExitCode.REFUSED, ExitCode.NOT_FOUND];

type Recorded = 'present' | 'todo' | MissingMember | Placement;

/** What the ledger says about member k, tidied: a record whose device is gone is dropped. */
function recorded(ops: MemberOps, txn: LedgerTxn, def: PoolDefinition, k: number): Recorded {
  const entries = txn.ledger.devices.filter((e) => e.pool === def.name && e.member === k);
  if (entries.some((e) => e.domain)) return 'present';
  const e = entries[0];
  if (!e) return 'todo';
  if (e.state === 'removing' || e.state === 'abandoned') {
    return { member: k, code: ExitCode.TIMEOUT, reason: `member ${k} (${e.uuid}) is still being removed (${e.note ?? 'remove pending'}); run 'virt-mdev gc', then start again` };
  }
  const dev = ops.bus.findDevice(e.uuid);
  if (dev && !notOurDevice(e, dev)) {
    if (e.state !== 'creating') return 'present';
    setState(e, 'active'); // an interrupted start created it
    return { member: k, parent: dev.parent };
  }
  dropEntry(txn.ledger, e.uuid);
  return 'todo';
}

/** A device that already has member k's UUID: taken when it is what the member would be. */
function takeExisting(ops: MemberOps, txn: LedgerTxn, def: PoolDefinition, k: number, candidates: MdevParent[]): Placement | MissingMember | undefined {
  const uuid = poolMemberUuid(def.name, k);
  const dev = ops.bus.findDevice(uuid);
  if (!dev) return undefined;
  if (dev.typeId === def.type && candidates.some((p) => p.name === dev.parent)) {
    txn.ledger.devices.push(memberEntry(def.name, k, dev.parent, def.type, 'active'));
    ops.log?.('pool-member-take', { pool: def.name, member: k, uuid, parent: dev.parent, type: def.type });
    return { member: k, parent: dev.parent };
  }
  return {
    member: k, code: ExitCode.EXISTS,
    reason: `member ${k}'s UUID ${uuid} is in use by a ${dev.typeId || '?'} on ${dev.parent}, not a ${def.type} on the pool's parents; remove that device (virt-mdev nodedev-destroy ${uuid})`,
  };
}

function isPlacement(r: Placement | MissingMember): r is Placement {
  return 'parent' in r;
}

/** Create the planned members; replan on a fresh snapshot without a parent that failed. */
async function createPlanned(ops: MemberOps, txn: LedgerTxn, def: PoolDefinition, todo: number[], report: FillReport): Promise<void> {
  const excluded = new Map<string, string>();
  let queue = [...todo];
  while (queue.length > 0) {
    const found = resolvePoolParents(ops.bus.listParents(), def);
    const candidates = found.candidates.filter((p) => !excluded.has(p.name));
    const plan = planPlacement(candidates, def.type, queue);
    report.offers = offersOf(found.candidates, def.type);
    report.absent = found.absent;
    let replan = false;
    for (const p of plan.placements) {
      try {
        await createMember(ops, txn, def.name, def.type, p.member, p.parent);
        report.created.push(p);
      } catch (e) {
        if (!isVirtMdevError(e)) throw e;
        if (PARENT_TROUBLE.includes(e.exitCode)) {
          excluded.set(p.parent, e.message);
          replan = true;
          break;
        }
        if (e.exitCode !== ExitCode.EXISTS) throw e;
        report.missing.push({ member: p.member, code: e.exitCode, reason: e.message });
      }
      queue = queue.filter((m) => m !== p.member);
    }
    if (replan) continue;
    if (plan.unplaced.length > 0) {
      // say what the parents hold now, after this fill's own creates
      const now = resolvePoolParents(ops.bus.listParents(), def);
      report.offers = offersOf(now.candidates, def.type);
      report.absent = now.absent;
      report.missing.push(...unplacedReasons(def, plan.unplaced, report, excluded));
    }
    break;
  }
}

function unplacedReasons(def: PoolDefinition, members: number[], report: FillReport, excluded: Map<string, string>): MissingMember[] {
  const offering = report.offers.filter((o) => o.offersType);
  const failed = [...excluded].map(([p, why]) => `; on ${p}: ${why}`).join('');
  const reason = offering.length === 0
    ? (def.parents.length
      ? `none of the pool's parents offers ${def.type} here (${describeOffers(report.offers, def.type, report.absent)})`
      : `no parent on this host offers mdev type ${def.type}`)
    : `no capacity left for ${def.type} (${describeOffers(report.offers, def.type, report.absent)})${failed}`;
  const code = offering.length === 0 ? ExitCode.NOT_FOUND : ExitCode.NO_CAPACITY;
  return members.map((member) => ({ member, code, reason }));
}

/** Make members (default: 0 … size-1) exist. Commits the ledger as it goes. */
export async function fillPool(ops: MemberOps, txn: LedgerTxn, def: PoolDefinition, members?: number[]): Promise<FillReport> {
  const targets = members ?? Array.from({ length: def.size }, (_, k) => k);
  const found = resolvePoolParents(ops.bus.listParents(), def);
  const report: FillReport = { created: [], taken: [], present: [], missing: [], offers: offersOf(found.candidates, def.type), absent: found.absent };
  const todo: number[] = [];
  for (const k of targets) {
    let r: Recorded | undefined = recorded(ops, txn, def, k);
    if (r === 'todo') r = takeExisting(ops, txn, def, k, found.candidates);
    if (r === undefined) todo.push(k);
    else if (r === 'present') report.present.push(k);
    else if (isPlacement(r)) report.taken.push(r);
    else report.missing.push(r);
  }
  txn.commit();
  await createPlanned(ops, txn, def, todo, report);
  report.missing.sort((a, b) => a.member - b.member);
  return report;
}
