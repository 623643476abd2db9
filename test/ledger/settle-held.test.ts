// A release settles its removes in the hold of the ledger lock it marked them in (removeAndSettleHeld):
// what returned within the bound is settled and committed there, without taking the lock again; what
// is still blocked is left pending for the wait without the lock, or abandoned when the bound was all
// of remove_timeout. A fake bus answers the removes.
import test from 'ava';
import * as fs from 'node:fs';
import { HostRoot } from '../../src/host/root.js';
import { removeAndSettleHeld, type SettleOptions } from '../../src/ledger/settle.js';
import { ledgerPath, withLedger } from '../../src/ledger/store.js';
import type { LedgerEntry } from '../../src/ledger/types.js';
import type { MdevBus, RemoveOutcome } from '../../src/mdevbus/types.js';
import { tempDir } from '../helpers/cli.js';

const FAST = '11111111-1111-4111-8111-111111111111';
const SLOW = '22222222-2222-4222-8222-222222222222';

function entry(uuid: string): LedgerEntry {
  const now = new Date().toISOString();
  return { uuid, parent: 'mtty', type: 'mtty-1', state: 'removing', origin: 'created', domain: { name: 'vm' }, createdAt: now, updatedAt: now, pid: process.pid };
}

async function settleUnderLock(removeTimeoutMs: number, boundMs: number): Promise<{ pending: string[]; removed: string[]; abandoned: string[]; bounds: number[]; onDisk: Array<[string, string]> }> {
  const d = tempDir();
  try {
    const root = new HostRoot(d.dir);
    const bounds: number[] = [];
    const bus = {
      removeEach: async (uuids: readonly string[], o: { timeoutMs?: number }): Promise<RemoveOutcome[]> => {
        bounds.push(o.timeoutMs!);
        return uuids.map((u) => (u === SLOW ? 'timeout' : 'removed'));
      },
    } as unknown as MdevBus;
    // a second taking of the ledger lock in this process would wait for this hold: it would time out
    const o: SettleOptions = { root, bus, removeTimeoutMs, lockTimeoutMs: 300, log: () => undefined, owns: () => true };
    const r = await withLedger(root, async (txn) => {
      txn.ledger.devices.push(entry(FAST), entry(SLOW));
      txn.commit();
      return removeAndSettleHeld(txn, [FAST, SLOW], boundMs, o);
    }, { lockTimeoutMs: 300 });
    const onDisk = (JSON.parse(fs.readFileSync(ledgerPath(root), 'utf8')) as { devices: LedgerEntry[] }).devices.map((e): [string, string] => [e.uuid, e.state]);
    return { ...r, bounds, onDisk };
  } finally {
    d.cleanup();
  }
}

test('a remove that returns within the bound is settled and committed in the same hold; a blocked one is pending', async (t) => {
  const r = await settleUnderLock(30_000, 2_000);
  t.deepEqual(r.bounds, [2_000]);
  t.deepEqual(r.removed, [FAST]);
  t.deepEqual(r.pending, [SLOW]);
  t.deepEqual(r.abandoned, []);
  t.deepEqual(r.onDisk, [[SLOW, 'removing']], 'committed: the removed entry gone, the pending one still removing');
});

test('when the bound is all of remove_timeout, a blocked remove is abandoned there and then', async (t) => {
  const r = await settleUnderLock(1_000, 2_000);
  t.deepEqual(r.bounds, [1_000]);
  t.deepEqual(r.pending, []);
  t.deepEqual(r.abandoned, [SLOW]);
  t.deepEqual(r.onDisk, [[SLOW, 'abandoned']]);
});
