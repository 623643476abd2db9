// `virt-mdev check DOMAIN.xml`: would this domain start here, and on what? prepare's own planner run
// over a snapshot of the live host, without the lock and without writing anything. The verdict is
// prepare's: the same first error, the same one line the hook would give libvirt.
import { readStore } from '../definitions/store.js';
import { parseDomainXml } from '../domainxml/parse.js';
import type { HostRoot } from '../host/root.js';
import { readLedger } from '../ledger/store.js';
import type { DomainRef } from '../ledger/types.js';
import type { MdevBus } from '../mdevbus/types.js';
import { isVirtMdevError, type ExitCodeValue } from '../util/errors.js';
import { loadHookConfig } from './config.js';
import { classifyDomain, domainLabel } from './domain.js';
import { planPrepare, type ManagedStep, type Planned, type UnmanagedStep } from './plan.js';
import { oneLine } from './run.js';
import { readPrepareSnapshot } from './snapshot.js';

export interface CheckedHostdev {
  n: number;
  uuid: string;
  managed: boolean;
  /** what prepare does with it; 'fail' when it is the reason (or one of the reasons) the start fails */
  action: ManagedStep['action'] | UnmanagedStep['action'] | 'fail';
  type?: string;
  parent?: string;
  /** create: every parent prepare would try, in order */
  candidates?: string[];
  /** create: instances of the type left on the parent, counting this plan's earlier creates */
  left?: number;
  /** start: the definition's file */
  definition?: string;
  /** draw: the pool and the member the domain's device replaces; unmanaged: the member it holds */
  pool?: string;
  member?: number;
  /** reuse: the stopped domain whose device this domain takes over */
  takeOverFrom?: DomainRef;
  /** one line on what happens */
  summary: string;
  error?: { exitCode: ExitCodeValue; reason: string; message: string };
}

export interface CheckReport {
  domain: DomainRef;
  root: string;
  start: boolean;
  /** 0, or the exit code of the error prepare fails with */
  exitCode: ExitCodeValue | 0;
  hostdevs: CheckedHostdev[];
  /** the line the failing hook prints (libvirt puts it into the `virsh start` error) */
  error?: { exitCode: ExitCodeValue; reason: string; message: string };
}

function managedSummary(s: ManagedStep): string {
  switch (s.action) {
    case 'create': {
      const more = s.candidates.length > 1 ? `; if the kernel refuses: ${s.candidates.slice(1).join(', ')}` : '';
      return `create ${s.type} on ${s.parent} (${s.left ?? '?'} left${more})`;
    }
    case 'reuse':
      return s.takeOver ? `take over virt-mdev's ${s.type} on ${s.parent} from ${s.takeOver.from ? domainLabel(s.takeOver.from) : 'no domain'}, which no longer runs`
        : `reuse the ${s.type} on ${s.parent} virt-mdev created for this domain`;
    case 'adopt':
      return `adopt the unused ${s.type} on ${s.parent} (not created by virt-mdev: release leaves it in place)`;
    case 'draw': {
      const p = s.pool!;
      const first = p.members[0];
      return `draw member ${first.member} of pool ${p.def.name} (${first.uuid}, ${s.type} on ${first.parent}): ${p.free} of ${p.def.size} free`;
    }
  }
}

function unmanagedSummary(s: UnmanagedStep): string {
  return s.action === 'use' ? `use the existing ${s.type} on ${s.parent} (device_api ${s.deviceApi})`
    : `start ${s.type} on ${s.parent} from its definition ${s.definition ?? '?'} (device_api ${s.deviceApi})`;
}

function row<S extends ManagedStep | UnmanagedStep>(p: Planned<S>, managed: boolean, domain: DomainRef): CheckedHostdev {
  if (!p.ok) {
    const error = { exitCode: p.error.exitCode, reason: p.error.reason, message: oneLine(p.error) };
    const what = `${domainLabel(domain)} mdev hostdev #${p.n} (${p.uuid}): `;
    return { n: p.n, uuid: p.uuid, managed, action: 'fail', summary: `fails: ${error.message.startsWith(what) ? error.message.slice(what.length) : error.message}`, error };
  }
  const s = p.step;
  const base = 'm' in s ? { n: s.m.n, uuid: s.m.uuid } : { n: s.u.n, uuid: s.u.uuid };
  if ('m' in s) {
    return {
      ...base, managed, action: s.action, type: s.type, parent: s.parent,
      ...(s.action === 'create' ? { candidates: s.candidates, left: s.left } : {}),
      ...(s.action === 'draw' ? { pool: s.pool!.def.name, member: s.pool!.members[0].member } : {}),
      ...(s.takeOver?.from ? { takeOverFrom: s.takeOver.from } : {}),
      summary: managedSummary(s),
    };
  }
  return { ...base, managed, action: s.action, type: s.type, parent: s.parent, ...(s.definition ? { definition: s.definition } : {}), summary: unmanagedSummary(s) };
}

/** Plan prepare for the domain XML against the host; throws only what the hook would throw before planning (XML, UUIDs). */
export function preflight(root: HostRoot, bus: MdevBus, xml: string, file: string, argvName: string): CheckReport {
  const d = classifyDomain(parseDomainXml(xml, file, { libvirtRules: false }), argvName);
  const snap = readPrepareSnapshot(root, bus, readLedger(root), loadHookConfig(root), {
    store: () => readStore(root),
    pools: d.managed.flatMap((m) => (m.pool === undefined ? [] : [m.pool])),
  });
  const plan = planPrepare(snap, d, { unmanaged: true });
  const hostdevs = [...plan.unmanaged.map((p) => row(p, false, d.domain)), ...plan.managed.map((p) => row(p, true, d.domain))].sort((a, b) => a.n - b.n);
  for (const h of plan.holds) {
    const r = hostdevs.find((x) => x.n === h.n);
    if (r && r.action !== 'fail') {
      Object.assign(r, { pool: h.pool, member: h.member });
      r.summary += `; member ${h.member} of pool ${h.pool}: not free while this domain runs`;
    }
  }
  const report: CheckReport = { domain: d.domain, root: root.dir, start: plan.error === undefined, exitCode: plan.error?.exitCode ?? 0, hostdevs };
  if (plan.error) report.error = { exitCode: plan.error.exitCode, reason: plan.error.reason, message: oneLine(plan.error) };
  return report;
}

/** The error of a document the hook could not even plan for, in the report's shape. */
export function unplannable(root: HostRoot, e: unknown, name: string): CheckReport {
  if (!isVirtMdevError(e)) throw e;
  return {
    domain: { name }, root: root.dir, start: false, exitCode: e.exitCode, hostdevs: [],
    error: { exitCode: e.exitCode, reason: e.reason, message: oneLine(e) },
  };
}
