// prepare begin: the only moment before libvirt checks that the domain's mdevs exist (reference §2.5),
// so managed devices are created here and unmanaged ones are checked here, where a failure still
// reaches `virsh start` as a readable error. All or nothing: a failure removes what this call created.
import { readLedger, withLedger } from '../ledger/store.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { applyManaged } from './apply.js';
import type { HookContext } from './context.js';
import { domainLabel, type DomainMdevs } from './domain.js';
import { managedSteps, planPrepare } from './plan.js';
import { deviceApiOf } from './policy.js';
import { readPrepareSnapshot } from './snapshot.js';

export function checkUnmanaged(ctx: HookContext, d: DomainMdevs): void {
  for (const u of d.unmanaged) {
    const what = `${domainLabel(d.domain)} mdev hostdev #${u.n} (${u.uuid})`;
    const dev = ctx.bus.findDevice(u.uuid);
    if (!dev) {
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-device',
        `${what}: mediated device ${u.uuid} does not exist on this host; create it first (virt-mdev nodedev-create, mdevctl start), or let virt-mdev manage it: managed='yes' and 'virt-mdev transform'`);
    }
    const api = deviceApiOf(ctx.bus, dev.parent, dev.typeId);
    if (api !== u.model) {
      throw new VirtMdevError(ExitCode.REFUSED, 'device-api',
        `${what}: the device is a ${dev.typeId} on ${dev.parent} with device_api '${api ?? 'unknown'}' but the hostdev has model='${u.model}'; set model='${api ?? '?'}' or assign a ${u.model} device`);
    }
  }
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
  checkUnmanaged(ctx, d);
  if (d.managed.length === 0 && !namesPoolMember(ctx, d)) return;
  await withLedger(ctx.root, async (txn) => {
    ctx.kill('prepare-locked');
    // decided over one snapshot read under the lock, so no other virt-mdev process changes it meanwhile
    const pools = d.managed.flatMap((m) => (m.pool === undefined ? [] : [m.pool]));
    const plan = planPrepare(readPrepareSnapshot(ctx.root, ctx.bus, txn.ledger, ctx.cfg, { pools }), d);
    await applyManaged(ctx, txn, d.domain, managedSteps(plan), plan.holds);
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
}
