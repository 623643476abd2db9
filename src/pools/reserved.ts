// Member UUIDs belong to their pool: member k of pool P always has poolMemberUuid(P, k), while it is
// free, while a domain's device stands in for it, and while the pool is stopped. Whatever else
// creates or defines devices through virt-mdev (nodedev-create, nodedev-define, nodedev-start,
// autostart) refuses them, under the ledger lock, so the pool can always make its members again.
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { listPoolDefinitions } from './store.js';
import { poolMemberUuid } from './types.js';

/** The defined pool and member a UUID is reserved for, if any. Unreadable pool files reserve nothing. */
export function poolMemberOf(root: HostRoot, uuid: string): { pool: string; member: number } | undefined {
  for (const def of listPoolDefinitions(root).pools) {
    for (let k = 0; k < def.size; k++) if (poolMemberUuid(def.name, k) === uuid) return { pool: def.name, member: k };
  }
  return undefined;
}

/** EXISTS when the UUID is a pool member's; `what` names the request ("nodedev.xml", "mdev … defined in …"). */
export function refusePoolMemberUuid(root: HostRoot, uuid: string, what: string): void {
  const hit = poolMemberOf(root, uuid);
  if (!hit) return;
  throw new VirtMdevError(ExitCode.EXISTS, 'pool-member',
    `${what}: UUID ${uuid} is member ${hit.member} of pool ${hit.pool}, which only the pool creates (virt-mdev pool-start ${hit.pool}); choose another UUID, or draw from the pool with pool='${hit.pool}'`);
}
