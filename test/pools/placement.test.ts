// The placement planner over bus snapshots, and fillPool's answer to a create that fails after the
// plan (another tool took the capacity): another parent is tried, and what cannot be placed is named.
import test from 'ava';
import type { Ledger } from '../../src/ledger/types.js';
import type { MdevBus, MdevDevice, MdevParent } from '../../src/mdevbus/types.js';
import { fillPool } from '../../src/pools/fill.js';
import { maxMembers, offersOf, planPlacement, resolvePoolParents } from '../../src/pools/placement.js';
import { poolMemberUuid, type PoolDefinition } from '../../src/pools/types.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';

function parent(name: string, types: Record<string, [available: number, present: number]>): MdevParent {
  return {
    name, sysfsPath: `/sys/devices/pci0000:40/${name}`, subsystem: 'pci',
    types: Object.entries(types).map(([id, [available, present]]) => ({
      id, parent: name, deviceApi: 'vfio-pci', availableInstances: available,
      devices: Array.from({ length: present }, (_, i) => `00000000-0000-4000-8000-${name.replace(/\W/g, '').padStart(8, '0').slice(-8)}${String(i).padStart(4, '0')}`),
    })),
  };
}

const A = '0000:41:00.0', B = '0000:42:00.0', C = '0000:43:00.0';

test('fills the most available parent first, ties by name; deterministic', (t) => {
  const ps = [parent(B, { 'nvidia-63': [24, 0] }), parent(A, { 'nvidia-63': [24, 0] }), parent(C, { 'nvidia-63': [10, 0] })];
  const plan = planPlacement(ps, 'nvidia-63', [0, 1, 2, 3]);
  t.deepEqual(plan.placements.map((p) => p.parent), [A, A, A, A]);
  t.deepEqual(plan.unplaced, []);
  const reordered = planPlacement([...ps].reverse(), 'nvidia-63', [3, 2, 1, 0]);
  t.deepEqual([reordered.placements, reordered.unplaced], [plan.placements, plan.unplaced]);
  const big = planPlacement(ps, 'nvidia-63', Array.from({ length: 60 }, (_, k) => k));
  t.deepEqual([big.placements.filter((p) => p.parent === A).length, big.placements.filter((p) => p.parent === B).length, big.placements.filter((p) => p.parent === C).length], [24, 24, 10]);
  t.deepEqual(big.unplaced, [58, 59]);
});

test('a parent already holding the type comes first: an idle NVIDIA GPU is not locked to the type while another has room', (t) => {
  const ps = [parent(A, { 'nvidia-63': [24, 0], 'nvidia-64': [12, 0] }), parent(B, { 'nvidia-63': [4, 20], 'nvidia-64': [0, 0] })];
  const plan = planPlacement(ps, 'nvidia-63', [0, 1, 2, 3, 4, 5]);
  t.deepEqual(plan.placements.map((p) => `${p.member}@${p.parent}`), [`0@${B}`, `1@${B}`, `2@${B}`, `3@${B}`, `4@${A}`, `5@${A}`]);
});

test('a type a parent cannot create anymore (available 0: the GPU runs another type) is never planned on', (t) => {
  const ps = [parent(A, { 'nvidia-63': [0, 0], 'nvidia-64': [10, 2] }), parent(B, { 'nvidia-63': [2, 0] })];
  const plan = planPlacement(ps, 'nvidia-63', [0, 1, 2]);
  t.deepEqual(plan.placements, [{ member: 0, parent: B }, { member: 1, parent: B }]);
  t.deepEqual(plan.unplaced, [2]);
  t.is(maxMembers(offersOf(ps, 'nvidia-63')), 2);
  t.is(maxMembers(offersOf(ps, 'nvidia-64')), 12);
});

test('pool parents resolve by node-device name or sysfs name; absent ones are named; none: every parent with the type', (t) => {
  const ps = [parent(A, { 'nvidia-63': [24, 0] }), parent(B, { 'nvidia-64': [12, 0] })];
  const named = resolvePoolParents(ps, { type: 'nvidia-63', parents: ['pci_0000_41_00_0', A, 'pci_0000_99_00_0'] });
  t.deepEqual(named.candidates.map((p) => p.name), [A]);
  t.deepEqual(named.absent, ['pci_0000_99_00_0']);
  t.deepEqual(resolvePoolParents(ps, { type: 'nvidia-64', parents: [] }).candidates.map((p) => p.name), [B]);
});

/** A bus whose creates can be made to fail per parent, as if another tool took the capacity first. */
function fakeBus(capacity: Record<string, number>, failOn: Record<string, VirtMdevError>): MdevBus & { devs: MdevDevice[] } {
  const devs: MdevDevice[] = [];
  const listParents = (): MdevParent[] => Object.entries(capacity).map(([name, cap]) => {
    const mine = devs.filter((d) => d.parent === name).map((d) => d.uuid);
    return { name, sysfsPath: `/sys/devices/${name}`, subsystem: 'pci', types: [{ id: 't', parent: name, deviceApi: 'vfio-pci', availableInstances: cap - mine.length, devices: mine }] };
  });
  return {
    devs,
    listParents,
    getParent: (n) => listParents().find((p) => p.name === n)!,
    listDevices: () => devs,
    findDevice: (u) => devs.find((d) => d.uuid === u),
    removalPending: () => false,
    create: async (p, type, uuid) => {
      const fail = failOn[p];
      if (fail) throw fail;
      const d = { uuid, parent: p, typeId: type, sysfsPath: `/sys/devices/${p}/${uuid}` };
      devs.push(d);
      return d;
    },
    remove: async () => 'removed',
    removeEach: async (uuids) => uuids.map(() => 'removed' as const),
  };
}

function txnOf(ledger: Ledger): { ledger: Ledger; commits: number; commit(): void } {
  return { ledger, commits: 0, commit() { this.commits++; } };
}

test('fillPool: a create that fails for lack of capacity moves the rest to the next parent; what fits nowhere is named', async (t) => {
  const def: PoolDefinition = { name: 'p', type: 't', parents: [], size: 6 };
  const bus = fakeBus({ [A]: 4, [B]: 3 }, { [A]: new VirtMdevError(ExitCode.REFUSED, 'refused', 'the vendor driver refused it (EINVAL)') });
  const txn = txnOf({ version: 1, devices: [] });
  const r = await fillPool({ bus }, txn, def);
  t.deepEqual(r.created, [{ member: 0, parent: B }, { member: 1, parent: B }, { member: 2, parent: B }]);
  t.deepEqual(r.missing.map((m) => [m.member, m.code]), [[3, ExitCode.NO_CAPACITY], [4, ExitCode.NO_CAPACITY], [5, ExitCode.NO_CAPACITY]]);
  t.regex(r.missing[0]!.reason, /^no capacity left for t \(pci_0000_41_00_0: 4 t left, pci_0000_42_00_0: 0 t left \(3 present\)\); on 0000:41:00\.0: the vendor driver refused it \(EINVAL\)$/);
  t.deepEqual(txn.ledger.devices.map((e) => [e.member, e.uuid, e.state]).sort(), [0, 1, 2].map((k) => [k, poolMemberUuid('p', k), 'active']));
  t.true(txn.commits >= 6, 'intent and result of each create were committed');
});

test('fillPool: an interrupted start is finished — a recorded intent whose device exists becomes a member, one whose device is gone is created', async (t) => {
  const def: PoolDefinition = { name: 'p', type: 't', parents: [], size: 2 };
  const bus = fakeBus({ [A]: 4 }, {});
  const now = new Date().toISOString();
  const entry = (k: number) => ({ uuid: poolMemberUuid('p', k), parent: A, type: 't', state: 'creating' as const, origin: 'created' as const, pool: 'p', member: k, createdAt: now, updatedAt: now, pid: 1 });
  await bus.create(A, 't', poolMemberUuid('p', 0));
  const txn = txnOf({ version: 1, devices: [entry(0), entry(1)] });
  const r = await fillPool({ bus }, txn, def);
  t.deepEqual(r.taken, [{ member: 0, parent: A }]);
  t.deepEqual(r.created, [{ member: 1, parent: A }]);
  t.deepEqual(txn.ledger.devices.map((e) => e.state), ['active', 'active']);
});
