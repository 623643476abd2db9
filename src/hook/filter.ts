// migrate begin / restore begin: the only calls whose stdout libvirt uses, as a replacement domain XML
// (empty = unchanged). An incoming domain may carry a managed mdev UUID that this host already uses
// for another domain; then the device gets a fresh UUID (the guest ABI check ignores the host side,
// reference §4.3) and only those UUID values change in the text. A device drawn from a pool is not
// taken by its UUID: the destination draws from its own pool of the same name at prepare.
import * as crypto from 'node:crypto';
import { rewriteUuids } from '../domainxml/rewrite-uuids.js';
import { findEntry, readLedger, sameDomain } from '../ledger/store.js';
import { listRunningDomains, runningUserOf } from '../ledger/running.js';
import { findPoolDefinition } from '../pools/store.js';
import type { HookContext } from './context.js';
import type { DomainMdevs } from './domain.js';

/** The rewritten XML, or undefined when nothing needs to change. */
export function filterIncoming(ctx: HookContext, d: DomainMdevs, xml: string): string | undefined {
  if (d.managed.length === 0) return undefined;
  const ledger = readLedger(ctx.root);
  const running = listRunningDomains(ctx.root);
  const inXml = new Set([...d.managed.map((m) => m.uuid), ...d.unmanaged.map((u) => u.uuid)]);
  const taken = (uuid: string, m?: { type?: string; parent?: string }): string | undefined => {
    const user = runningUserOf(running, uuid, d.domain);
    if (user) return `in use by running domain '${user.name}'`;
    const e = findEntry(ledger, uuid);
    if (e && !sameDomain(e.domain, d.domain)) return e.domain ? `owned by virt-mdev for domain '${e.domain.name}'` : `owned by pool '${e.pool ?? '?'}'`;
    const dev = ctx.bus.findDevice(uuid);
    if (dev && m && (dev.typeId !== m.type || (m.parent !== undefined && dev.parent !== m.parent))) {
      return `an existing ${dev.typeId} on ${dev.parent}`;
    }
    return undefined;
  };
  // a pool request's type is the pool's on this host (none when the pool is not here: any device is in the way)
  const poolType = (pool: string): string | undefined => {
    try {
      return findPoolDefinition(ctx.root, pool)?.type;
    } catch {
      return undefined;
    }
  };
  const map = new Map<string, string>();
  for (const m of d.managed) {
    const why = taken(m.uuid, m.pool !== undefined && m.type === undefined ? { ...m, type: poolType(m.pool) } : m);
    if (!why) continue;
    let fresh: string;
    do {
      fresh = crypto.randomUUID();
    } while (inXml.has(fresh) || taken(fresh) !== undefined || ctx.bus.findDevice(fresh) !== undefined);
    inXml.add(fresh);
    map.set(m.uuid, fresh);
    ctx.log.log('new-uuid', { from: m.uuid, to: fresh, hostdev: m.n, why });
  }
  if (map.size === 0) return undefined;
  return rewriteUuids(xml, map);
}
