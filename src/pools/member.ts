// Creating one pool member, intent first as the hook's prepare does: the ledger records 'creating'
// before the kernel is asked, so a crash at any point leaves either no device or a device with a
// record. Used by pool-start and pool-resize, and by whoever re-creates a member (a return, gc).
// The caller holds the ledger lock.
import { dropEntry, findEntry, setState, type LedgerTxn } from '../ledger/store.js';
import type { LedgerEntry, LedgerState } from '../ledger/types.js';
import type { MdevBus } from '../mdevbus/types.js';
import { poolMemberUuid } from './types.js';

export type PoolKillStep = 'pool-member-intent' | 'pool-member-created';

export interface MemberOps {
  bus: MdevBus;
  /** test fault injection (the hook's kill points) */
  kill?(step: PoolKillStep): void;
  log?(action: string, fields: Record<string, unknown>): void;
}

/** The ledger entry of a free member: the member's own UUID, no domain. */
export function memberEntry(pool: string, member: number, parent: string, type: string, state: LedgerState): LedgerEntry {
  const now = new Date().toISOString();
  return {
    uuid: poolMemberUuid(pool, member), parent, type, state, origin: 'created', pool, member,
    createdAt: now, updatedAt: now, pid: process.pid,
  };
}

/**
 * Create member k of a pool on a parent and record it as free. The member's UUID must have no
 * ledger entry. On failure the intent is dropped again and the bus's error (NO_CAPACITY, REFUSED,
 * EXISTS, …) is thrown unchanged.
 */
export async function createMember(ops: MemberOps, txn: LedgerTxn, pool: string, type: string, member: number, parent: string): Promise<LedgerEntry> {
  const entry = memberEntry(pool, member, parent, type, 'creating');
  if (findEntry(txn.ledger, entry.uuid)) throw new Error(`internal: member ${member} of pool ${pool} (${entry.uuid}) is already in the ledger`);
  txn.ledger.devices.push(entry);
  txn.commit();
  ops.kill?.('pool-member-intent');
  try {
    await ops.bus.create(parent, type, entry.uuid);
  } catch (e) {
    dropEntry(txn.ledger, entry.uuid);
    txn.commit();
    ops.log?.('pool-member-create-failed', { pool, member, uuid: entry.uuid, parent, type, message: (e as Error).message });
    throw e;
  }
  ops.kill?.('pool-member-created');
  setState(entry, 'active');
  txn.commit();
  ops.log?.('pool-member-create', { pool, member, uuid: entry.uuid, parent, type });
  return entry;
}
