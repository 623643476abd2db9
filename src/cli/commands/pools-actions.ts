// The actions of the pool verbs (registered in ./pools.ts), printed the way virsh prints them.
import type { Command } from 'commander';
import type { HostRoot } from '../../host/root.js';
import { openMdevBus } from '../../mdevbus/bus.js';
import type { MdevBus } from '../../mdevbus/types.js';
import { readBoundedFile, requireHostTree } from '../../nodedev/index.js';
import {
  checkPoolSize, definePool, destroyPool, formatPoolXml, getPoolStatus, listPools, MAX_POOL_XML_BYTES, memberRanges,
  poolMemberUuid, readPoolDefinition, resizePool, setPoolAutostart, shortfallError, startPool, undefinePool,
  type FillReport, type PoolStatus,
} from '../../pools/index.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { checkPoolName } from '../../util/validate.js';
import { globals, hostRootOf, printJson, seconds } from '../context.js';
import { virshInfo, virshTable } from '../table.js';

function out(s: string): void {
  process.stdout.write(s);
}

interface Host { root: HostRoot; bus: MdevBus; json: boolean }

function host(cmd: Command): Host {
  const root = hostRootOf(cmd);
  requireHostTree(root);
  return { root, bus: openMdevBus(root), json: globals(cmd).json === true };
}

function readInput(file: string): string {
  return readBoundedFile(file, MAX_POOL_XML_BYTES, 'a pool definition');
}

function fillJson(name: string, r: FillReport): Record<string, unknown> {
  const placed = (p: { member: number; parent: string }) => ({ member: p.member, uuid: poolMemberUuid(name, p.member), parent: p.parent });
  return { created: r.created.map(placed), taken: r.taken.map(placed), present: r.present, missing: r.missing, absentParents: r.absent };
}

function listRow(p: PoolStatus): Record<string, unknown> {
  return {
    name: p.name, state: p.active ? 'active' : 'inactive', autostart: p.autostart, type: p.type, parents: p.parents,
    size: p.size, free: p.free, lent: p.lent, missing: p.active ? p.missing : 0, lentTo: p.lentTo,
  };
}

function infoText(p: PoolStatus): string {
  const pairs: [string, string][] = [
    ['Name', p.name], ['State', p.active ? 'running' : 'inactive'], ['Autostart', p.autostart ? 'yes' : 'no'], ['Type', p.type],
    ['Parents', p.parents.length ? p.parents.join(', ') : `any parent offering ${p.type}`], ['Size', String(p.size)],
  ];
  if (p.active) {
    pairs.push(['Free', String(p.free)], ['Lent', p.lent ? `${p.lent} (to ${p.lentTo.join(', ')})` : '0']);
    const other = p.members.filter((m) => m.state !== 'free' && m.state !== 'lent');
    for (const state of new Set(other.map((m) => m.state))) {
      const ks = other.filter((m) => m.state === state).map((m) => m.member);
      pairs.push([state[0]!.toUpperCase() + state.slice(1), `${ks.length} (member${ks.length === 1 ? '' : 's'} ${memberRanges(ks)})`]);
    }
  }
  return virshInfo(pairs);
}

/** pool-define */
export async function poolDefine(file: string, _o: unknown, cmd: Command): Promise<void> {
  const text = readInput(file);
  const h = host(cmd);
  const { def, replaced } = await definePool(h.root, h.bus, text, file);
  if (h.json) printJson({ name: def.name, defined: true, replaced, file, definition: def });
  else out(`Pool ${def.name} defined from ${file}\n`);
}

/** pool-undefine */
export async function poolUndefine(name: string, _o: unknown, cmd: Command): Promise<void> {
  checkPoolName(name);
  const h = host(cmd);
  await undefinePool(h.root, name);
  if (h.json) printJson({ name, undefined: true });
  else out(`Pool ${name} has been undefined\n`);
}

/** pool-autostart */
export async function poolAutostart(name: string, o: { disable?: boolean }, cmd: Command): Promise<void> {
  checkPoolName(name);
  const h = host(cmd);
  const on = o.disable !== true;
  await setPoolAutostart(h.root, name, on);
  if (h.json) printJson({ name, autostart: on });
  else out(`Pool ${name} ${on ? 'marked' : 'unmarked'} as autostarted\n`);
}

/** pool-dumpxml */
export function poolDumpxml(name: string, _o: unknown, cmd: Command): void {
  checkPoolName(name);
  const h = host(cmd);
  const def = readPoolDefinition(h.root, name);
  if (h.json) printJson({ ...def, xml: formatPoolXml(def) });
  else out(formatPoolXml(def));
}

/** pool-start */
export async function poolStart(name: string, _o: unknown, cmd: Command): Promise<void> {
  checkPoolName(name);
  const h = host(cmd);
  const { def, wasActive, report } = await startPool(h.root, { bus: h.bus }, name);
  const exist = report.present.length + report.created.length + report.taken.length;
  if (wasActive && report.created.length + report.taken.length === 0 && report.missing.length === 0) {
    throw new VirtMdevError(ExitCode.FAILURE, 'pool-active', `pool '${name}' is already active (${exist} of ${def.size} members exist)`);
  }
  if (h.json) printJson({ name, started: exist > 0, size: def.size, members: exist, ...fillJson(name, report) });
  else {
    const extra = [report.created.length ? `${report.created.length} created` : '', report.taken.length ? `${report.taken.length} already there` : '',
      report.present.length ? `${report.present.length} present before` : ''].filter(Boolean).join(', ');
    out(`Pool ${name} ${exist > 0 ? 'started' : 'not started'}: ${exist} of ${def.size} members${extra ? ` (${extra})` : ''}\n`);
  }
  const err = shortfallError(def, report, `pool-start ${name}`);
  if (err) throw err;
}

/** pool-destroy */
export async function poolDestroy(name: string, o: { timeout: string }, cmd: Command): Promise<void> {
  checkPoolName(name);
  const ms = seconds(o.timeout, '--timeout');
  const h = host(cmd);
  const r = await destroyPool(h.root, h.bus, name, { removeTimeoutMs: ms });
  if (h.json) printJson({ name, destroyed: true, removed: r.removed });
  else out(`Pool ${name} destroyed\n`);
}

/** pool-resize */
export async function poolResize(name: string, sizeArg: string, o: { timeout: string }, cmd: Command): Promise<void> {
  checkPoolName(name);
  const size = checkPoolSize(sizeArg.trim(), 'size');
  const ms = seconds(o.timeout, '--timeout');
  const h = host(cmd);
  const r = await resizePool(h.root, { bus: h.bus }, name, size, { removeTimeoutMs: ms });
  if (h.json) printJson({ name, from: r.from, size, active: r.active, ...(r.report ? fillJson(name, r.report) : {}), removed: r.removed?.removed ?? [] });
  else out(r.from === size ? `Pool ${name} already has size ${size}\n` : `Pool ${name} resized from ${r.from} to ${size} members\n`);
  const err = r.report ? shortfallError(r.def, r.report, `pool-start ${name}`) : undefined;
  if (err) throw err;
}

/** pool-list */
export function poolList(o: { all?: boolean }, cmd: Command): void {
  const h = host(cmd);
  const { pools, problems } = listPools(h.root, h.bus);
  const shown = pools.filter((p) => o.all || p.active);
  if (h.json) printJson(shown.map(listRow));
  else {
    out(virshTable(['Name', 'State', 'Autostart', 'Type', 'Size', 'Free', 'Lent'], shown.map((p) => [
      p.name, p.active ? 'active' : 'inactive', p.autostart ? 'yes' : 'no', p.type, String(p.size),
      p.active ? String(p.free) : '-', p.active ? String(p.lent) : '-',
    ])));
  }
  for (const e of problems) process.stderr.write(`virt-mdev: ${e.message}\n`);
  if (problems.length > 0) process.exitCode = ExitCode.FAILURE;
}

/** pool-info */
export function poolInfo(name: string, _o: unknown, cmd: Command): void {
  checkPoolName(name);
  const h = host(cmd);
  const p = getPoolStatus(h.root, h.bus, name);
  if (h.json) printJson({ ...listRow(p), members: p.members });
  else out(infoText(p));
}
