// prepare begin: the only moment before libvirt checks that the domain's mdevs exist (reference §2.5),
// so managed devices are created here and unmanaged ones are checked here, where a failure still
// reaches `virsh start` as a readable error. All or nothing: a failure removes what this call created.
import { readStore } from '../definitions/store.js';
import type { StoreSnapshot } from '../definitions/types.js';
import { preloadRunningDomains } from '../ledger/running.js';
import { readLedger, withLedger } from '../ledger/store.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { applyManaged } from './apply.js';
import type { HookContext } from './context.js';
import { startDefinedDevices, unmanagedDefinition, type DefinedStart } from './defined.js';
import { domainLabel, type DomainMdevs } from './domain.js';
import { managedSteps, planPrepare } from './plan.js';
import { deviceApiOf } from './policy.js';
import { readPrepareSnapshot } from './snapshot.js';

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
      const def = unmanagedDefinition(ctx.bus.listParents(), snap, u, what);
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

/** Does an unmanaged hostdev name a pool member (which the domain then holds)? Only a ledger read. */
function namesPoolMember(ctx: HookContext, d: DomainMdevs): boolean {
  if (d.unmanaged.length === 0) return false;
  try {
    return readLedger(ctx.root).devices.some((e) => e.pool !== undefined && d.unmanaged.some((u) => u.uuid === e.uuid));
  } catch {
    return false; // an unreadable ledger must not stop a domain whose devices are all unmanaged
  }
}

export async function prepare(ctx: HookContext, d: DomainMdevs): Promise<void> {
  // a started definition stays even if the managed part fails: it is the admin's persistent device,
  // now in the state its definition asks for, and another domain may already hold it
  await startDefinedDevices(ctx, checkUnmanaged(ctx, d));
  if (d.managed.length === 0 && !namesPoolMember(ctx, d)) return;
  // parsed now, without the lock; under it, only what changed meanwhile is read again
  preloadRunningDomains(ctx.root);
  await withLedger(ctx.root, async (txn) => {
    ctx.kill('prepare-locked');
    // decided over one snapshot read under the lock, so no other virt-mdev process changes it meanwhile
    const pools = d.managed.flatMap((m) => (m.pool === undefined ? [] : [m.pool]));
    const plan = planPrepare(readPrepareSnapshot(ctx.root, ctx.bus, txn.ledger, ctx.cfg, { pools }), d);
    await applyManaged(ctx, txn, d.domain, managedSteps(plan), plan.holds);
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
}
