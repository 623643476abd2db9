// reconnect begin: libvirtd restarted and found this domain's QEMU still running. Failing here would
// make libvirt kill the VM, so nothing in this file may throw past main.ts's catch-all, and nothing is
// created or removed: the ledger is only brought back in line with the running domain.
import { findEntry, sameDomain, setState, withLedger } from '../ledger/store.js';
import type { HookContext } from './context.js';
import type { DomainMdevs } from './domain.js';

export async function reconnect(ctx: HookContext, d: DomainMdevs): Promise<void> {
  if (d.managed.length === 0) return;
  await withLedger(ctx.root, (txn) => {
    let changed = false;
    for (const m of d.managed) {
      const e = findEntry(txn.ledger, m.uuid);
      const dev = ctx.bus.findDevice(m.uuid);
      if (!dev) {
        ctx.log.log('reconnect-missing', { uuid: m.uuid, hostdev: m.n, note: 'the running domain names an mdev that does not exist' });
        continue;
      }
      if (!e) {
        ctx.log.log('reconnect-unowned', { uuid: m.uuid, hostdev: m.n, note: 'not created by virt-mdev; left alone' });
        continue;
      }
      if (e.pool !== undefined && !sameDomain(e.domain, d.domain)) {
        ctx.log.log('reconnect-pool', { uuid: m.uuid, pool: e.pool, lentTo: e.domain });
      }
      if (!sameDomain(e.domain, d.domain) || e.domain?.name !== d.domain.name) {
        // the running domain uses it: that is who owns it now (also picks up a rename)
        ctx.log.log('reassociate', { uuid: m.uuid, from: e.domain, to: d.domain });
        e.domain = d.domain;
        changed = true;
      }
      if (e.state === 'creating') {
        setState(e, 'active');
        changed = true;
      } else if (e.state !== 'active') {
        ctx.log.log('reconnect-removing', { uuid: m.uuid, state: e.state, note: 'a remove is pending for a device the running domain uses; it completes when QEMU lets go' });
      }
    }
    if (changed) txn.commit();
  }, { lockTimeoutMs: ctx.cfg.lockTimeoutMs });
}
