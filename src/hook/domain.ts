// Which of a domain's mdev hostdevs the hook must create (managed) and which it only checks
// (unmanaged). Managed = managed='yes' plus a request (type, parent, pool) that `transform` put into
// our metadata: libvirt itself ignores managed on mdevs and never creates them.
import type { DomainDoc, GuestModel, MdevHostdev } from '../domainxml/types.js';
import type { DomainRef } from '../ledger/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { canonicalUuid, checkParentName, checkPoolName, checkTypeId, printable, sysfsParentName } from '../util/validate.js';

export interface ManagedDevice {
  /** 1-based place among the domain's mdev hostdevs, as people count */
  n: number;
  uuid: string;
  model: GuestModel;
  type?: string;
  parent?: string;
  pool?: string;
}

export interface UnmanagedDevice {
  n: number;
  uuid: string;
  model: GuestModel;
}

export interface DomainMdevs {
  domain: DomainRef;
  managed: ManagedDevice[];
  unmanaged: UnmanagedDevice[];
}

export function domainLabel(d: DomainRef): string {
  return `domain '${printable(d.name, 60)}'`;
}

function isManaged(h: MdevHostdev): boolean {
  return h.managed && h.request !== undefined && (h.request.type !== undefined || h.request.pool !== undefined);
}

export function classifyDomain(doc: DomainDoc, argvName: string): DomainMdevs {
  const domain: DomainRef = { name: doc.name && doc.name !== '' ? doc.name : argvName };
  if (doc.uuid) domain.uuid = doc.uuid;
  const out: DomainMdevs = { domain, managed: [], unmanaged: [] };
  for (const h of doc.hostdevs) {
    const n = h.index + 1;
    const where = `${domainLabel(domain)} mdev hostdev #${n} (line ${h.span.line})`;
    if (!h.uuid) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'no-uuid',
        `${where} has no UUID: run 'virt-mdev transform' on the domain XML and define the result with 'virsh define'`);
    }
    const uuid = canonicalUuid(h.uuid, `${where} UUID`);
    if (isManaged(h)) {
      const r = h.request!;
      out.managed.push({
        n, uuid, model: h.model,
        type: r.type === undefined ? undefined : checkTypeId(r.type, `${where} type`),
        parent: r.parent === undefined ? undefined : sysfsParentName(checkParentName(r.parent, `${where} parent`)),
        pool: r.pool === undefined ? undefined : checkPoolName(r.pool),
      });
    } else {
      out.unmanaged.push({ n, uuid, model: h.model });
    }
  }
  return out;
}
