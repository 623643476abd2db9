// prepare begin: the only moment before libvirt checks that the domain's mdevs exist (reference §2.5),
// so managed devices are created here and unmanaged ones are checked here, where a failure still
// reaches `virsh start` as a readable error. All or nothing: a failure removes what this call created.
import { readStore } from '../definitions/store.js';
import type { StoreSnapshot } from '../definitions/types.js';
import type { DomainRef, LedgerEntry } from '../ledger/types.js';
import { dropEntry, findEntry, sameDomain, setState, withLedger, type LedgerTxn } from '../ledger/store.js';
import { findRunning, listRunningDomains, runningUserOf, type RunningDomain } from '../ledger/running.js';
import { ExitCode, isVirtMdevError, VirtMdevError } from '../util/errors.js';
import type { HookContext } from './context.js';
import { startDefinedDevices, unmanagedDefinition, type DefinedStart } from './defined.js';
import { domainLabel, type DomainMdevs, type ManagedDevice } from './domain.js';
import { checkApi, chooseParents, deviceApiOf, noCapacity } from './policy.js';

/**
 * Every unmanaged device must exist, or be defined and startable, with a device_api equal to the
 * model. Returns the definitions to start; nothing is started until every hostdev has passed.
 */
export function checkUnmanaged(ctx: HookContext, d: DomainMdevs): DefinedStart[] {
  let snap: StoreSnapshot | undefined;
  const starts: DefinedStart[] = [];
  for (const u of d.unmanaged) {
    const what = `${domainLabel(d.domain)} mdev hostdev #${u.n} (${u.uuid})`;
    const dev = ctx.bus.findDevice(u.uuid);
    let on: { parent: string; typeId: string; is: string };
    if (dev) {
      on = { parent: dev.parent, typeId: dev.typeId, is: 'the device is' };
    } else {
      // only a missing device costs a read of mdevctl's store
      snap ??= readStore(ctx.root);
      const def = unmanagedDefinition(ctx, snap, u, what);
      starts.push({ u, def, what });
      on = { parent: def.parent, typeId: def.type, is: `the device is defined (${def.file}) as` };
    }
    const api = deviceApiOf(ctx.bus, on.parent, on.typeId);
    if (api !== u.model) {
      throw new VirtMdevError(ExitCode.REFUSED, 'device-api',
        `${what}: ${on.is} a ${on.typeId} on ${on.parent} with device_api '${api ?? 'unknown'}' but the hostdev has model='${u.model}'; set model='${api ?? '?'}' or assign a ${u.model} device`);
    }
  }
  return starts;
}

/** A device of another domain's that is still being handed out or taken back is not free to take. */
function busyOwner(ctx: HookContext, e: LedgerEntry, running: RunningDomain[], now: number): string | undefined {
  if (e.state === 'removing' || e.state === 'abandoned') return `is still being removed for ${e.domain ? domainLabel(e.domain) : 'a stopped domain'} (${e.note ?? 'remove pending'}); retry later or run 'virt-mdev gc'`;
  if (e.pool !== undefined && e.domain === undefined) return undefined;
  if (e.pool !== undefined) return `is lent by pool '${e.pool}' to ${domainLabel(e.domain!)}`;
  if (!e.domain) return undefined;
  if (findRunning(running, e.domain)) return `belongs to running ${domainLabel(e.domain)}`;
  if (e.state === 'active' && now - Date.parse(e.updatedAt) < ctx.cfg.startGraceMs) {
    return `was prepared for ${domainLabel(e.domain)} moments ago and that domain is starting`;
  }
  return undefined;
}

interface Touched { uuid: string; kind: 'created' | 'adopted' | 'reused' }

async function createOne(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, m: ManagedDevice, type: string, what: string): Promise<void> {
  let candidates;
  try {
    candidates = chooseParents(ctx.bus, { type, parent: m.parent, model: m.model }, what);
  } catch (e) {
    // errors from the bus (e.g. an unknown parent) do not know which domain and hostdev asked
    if (isVirtMdevError(e) && !e.message.startsWith(what)) throw new VirtMdevError(e.exitCode, e.reason, `${what}: ${e.message}`, { cause: e, details: e.details });
    throw e;
  }
  const now = new Date().toISOString();
  const entry: LedgerEntry = {
    uuid: m.uuid, parent: candidates[0].parent, type, state: 'creating', origin: 'created', domain,
    createdAt: now, updatedAt: now, pid: process.pid,
  };
  txn.ledger.devices.push(entry);
  for (let i = 0; i < candidates.length; i++) {
    entry.parent = candidates[i].parent;
    // intent first: a crash after the kernel's create but before the next commit still leaves a record
    txn.commit();
    ctx.kill('prepare-intent');
    try {
      await ctx.bus.create(entry.parent, type, m.uuid);
      ctx.kill('prepare-created');
      ctx.log.log('create', { uuid: m.uuid, parent: entry.parent, type, hostdev: m.n });
      return;
    } catch (e) {
      // another creator took the capacity between our look and our write: try the next parent
      const retry = isVirtMdevError(e) && e.exitCode === ExitCode.NO_CAPACITY && m.parent === undefined && i + 1 < candidates.length;
      ctx.log.log('create-failed', { uuid: m.uuid, parent: entry.parent, type, hostdev: m.n, reason: isVirtMdevError(e) ? e.reason : 'error', message: (e as Error).message, retry });
      if (retry) continue;
      dropEntry(txn.ledger, m.uuid);
      txn.commit();
      if (isVirtMdevError(e) && e.exitCode === ExitCode.NO_CAPACITY && m.parent === undefined) throw noCapacity(what, type, ctx.bus.listParents());
      if (isVirtMdevError(e)) throw new VirtMdevError(e.exitCode, e.reason, `${what}: cannot create it as ${type} on ${entry.parent}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}

async function prepareOne(ctx: HookContext, txn: LedgerTxn, domain: DomainRef, m: ManagedDevice, running: RunningDomain[], touched: Touched[]): Promise<void> {
  const what = `${domainLabel(domain)} mdev hostdev #${m.n} (${m.uuid})`;
  if (m.type === undefined) {
    throw new VirtMdevError(ExitCode.REFUSED, 'pool-unsupported',
      `${what}: asks for a device from pool '${m.pool}' without a type, and this virt-mdev cannot draw from pools yet; add type='…' to its virt-mdev metadata`);
  }
  const type = m.type;
  const user = runningUserOf(running, m.uuid, domain);
  if (user) {
    throw new VirtMdevError(ExitCode.EXISTS, 'in-use',
      `${what}: UUID ${m.uuid} is in use by running ${domainLabel(user)}; give this hostdev another UUID (drop it and run 'virt-mdev transform') or stop '${user.name}'`);
  }
  let entry = findEntry(txn.ledger, m.uuid);
  if (entry && !sameDomain(entry.domain, domain)) {
    const busy = busyOwner(ctx, entry, running, Date.now());
    if (busy) throw new VirtMdevError(ExitCode.EXISTS, 'in-use', `${what}: mdev ${m.uuid} ${busy}`);
    // ours, but left behind by a domain that no longer runs: this domain takes it over
    ctx.log.log('take-over', { uuid: m.uuid, from: entry.domain, hostdev: m.n });
    entry.domain = domain;
  } else if (entry && (entry.state === 'removing' || entry.state === 'abandoned')) {
    throw new VirtMdevError(ExitCode.TIMEOUT, 'still-removing',
      `${what}: mdev ${m.uuid} from this domain's last run is still being removed (${entry.note ?? 'remove pending'}); make sure nothing holds it open, then run 'virt-mdev gc' and start again`);
  }
  const dev = ctx.bus.findDevice(m.uuid);
  if (dev) {
    if (dev.typeId !== type || (m.parent !== undefined && dev.parent !== m.parent)) {
      throw new VirtMdevError(ExitCode.EXISTS, 'exists-other',
        `${what}: mdev ${m.uuid} already exists as ${dev.typeId} on ${dev.parent}, but the domain asks for ${type}${m.parent ? ` on ${m.parent}` : ''}; remove that device (virt-mdev nodedev-destroy ${m.uuid}) or fix the request`);
    }
    const api = deviceApiOf(ctx.bus, dev.parent, dev.typeId);
    if (api !== m.model) checkApi({ id: dev.typeId, deviceApi: api ?? 'unknown' }, m.model, what, dev.parent);
    if (entry) {
      setState(entry, 'creating');
      touched.push({ uuid: m.uuid, kind: 'reused' });
      ctx.log.log('reuse', { uuid: m.uuid, parent: dev.parent, type, hostdev: m.n });
    } else {
      const now = new Date().toISOString();
      const e: LedgerEntry = { uuid: m.uuid, parent: dev.parent, type, state: 'creating', origin: 'adopted', domain, createdAt: now, updatedAt: now, pid: process.pid };
      txn.ledger.devices.push(e);
      touched.push({ uuid: m.uuid, kind: 'adopted' });
      ctx.log.log('adopt', { uuid: m.uuid, parent: dev.parent, type, hostdev: m.n });
    }
    txn.commit();
    return;
  }
  if (entry) dropEntry(txn.ledger, m.uuid); // our record of a device that is gone (e.g. removed by hand)
  touched.push({ uuid: m.uuid, kind: 'created' });
  try {
    await createOne(ctx, txn, domain, m, type, what);
  } catch (e) {
    touched.pop();
    throw e;
  }
}

async function rollback(ctx: HookContext, txn: LedgerTxn, touched: Touched[]): Promise<void> {
  for (const t of [...touched].reverse()) {
    const e = findEntry(txn.ledger, t.uuid);
    if (t.kind === 'created') {
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

export async function prepare(ctx: HookContext, d: DomainMdevs): Promise<void> {
  // a started definition stays even if the managed part fails: it is the admin's persistent device,
  // now in the state its definition asks for, and another domain may already hold it
  await startDefinedDevices(ctx, checkUnmanaged(ctx, d));
  if (d.managed.length === 0) return;
  await withLedger(ctx.root, async (txn) => {
    ctx.kill('prepare-locked');
    const running = listRunningDomains(ctx.root);
    const touched: Touched[] = [];
    try {
      for (const m of d.managed) await prepareOne(ctx, txn, d.domain, m, running, touched);
    } catch (e) {
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
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
}
