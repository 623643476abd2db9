// Which domains run right now, and which mdevs they use, from libvirt's status files
// (run/libvirt/qemu/NAME.xml: <domstatus>…<domain>…</domain></domstatus>). A hook must never ask
// libvirt itself (the daemon is waiting for the hook: deadlock), and these files exist exactly while
// a domain's QEMU process exists (libvirt writes them early in the start and deletes them at stop).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newSaxesParser } from '../util/fast-saxes.js';
import { readHostFile, type HostFileRead } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError, describeSystemError, errnoCode, isVirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { xmlShapeProblem } from '../util/xml-limits.js';
import type { DomainRef } from './types.js';

export interface RunningDomain extends DomainRef {
  /** the status file it was read from */
  file: string;
  /** every mdev UUID the domain's hostdevs (or our metadata) name, canonical */
  mdevUuids: Set<string>;
  /** false when the file could not be parsed; then mdevUuids holds every UUID-like string in it */
  parsed: boolean;
}

const MAX_STATUS_BYTES = 16 * 1024 * 1024;
const UUID_ANYWHERE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const UUID_ONLY = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

function canon(s: string): string | undefined {
  const t = s.trim();
  if (!UUID_ONLY.test(t)) return undefined;
  const h = t.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function localName(n: string): string {
  const i = n.indexOf(':');
  return i < 0 ? n : n.slice(i + 1);
}

/** Parse one status (or plain domain) document; throws on malformed XML or a DOCTYPE. */
export function scanDomainStatus(text: string): { name?: string; uuid?: string; mdevUuids: Set<string> } {
  const parser = newSaxesParser({ xmlns: false, position: false });
  const stack: string[] = [];
  const out: { name?: string; uuid?: string; mdevUuids: Set<string> } = { mdevUuids: new Set() };
  let text$ = '';
  let hostdevDepth = -1;
  let metadataDepth = -1;
  let elements = 0;
  parser.on('doctype', () => { throw new Error('DOCTYPE not allowed'); });
  parser.on('opentagstart', () => {
    const shape = xmlShapeProblem(stack.length + 1, ++elements);
    if (shape) throw new Error(shape.message);
  });
  parser.on('opentag', (tag) => {
    const ln = localName(tag.name);
    stack.push(ln);
    text$ = '';
    if (ln === 'hostdev' && hostdevDepth < 0) hostdevDepth = stack.length;
    if (ln === 'metadata' && metadataDepth < 0) metadataDepth = stack.length;
    const inHostdev = hostdevDepth > 0;
    const inMetadata = metadataDepth > 0;
    if ((inHostdev && (ln === 'address' || ln === 'mdev')) || (inMetadata && ln === 'device')) {
      const u = tag.attributes.uuid;
      const c = typeof u === 'string' ? canon(u) : undefined;
      if (c) out.mdevUuids.add(c);
    }
  });
  parser.on('text', (t) => { text$ += t; });
  parser.on('closetag', (tag) => {
    const ln = localName(tag.name);
    const parent = stack[stack.length - 2];
    if (parent === 'domain' && stack.length <= 3) {
      if (ln === 'name' && out.name === undefined) out.name = text$.trim();
      if (ln === 'uuid' && out.uuid === undefined) out.uuid = canon(text$);
    }
    if (hostdevDepth === stack.length) hostdevDepth = -1;
    if (metadataDepth === stack.length) metadataDepth = -1;
    stack.pop();
    text$ = '';
  });
  parser.on('error', (e) => { throw e; });
  parser.write(text).close();
  return out;
}

/**
 * One status file: its text, or undefined when it is not a file libvirt wrote (a directory, FIFO or
 * device named *.xml) or is gone. Longer than the bound: its head, which is scanned for UUIDs.
 */
function readStatusFile(root: HostRoot, file: string): { text: string; truncated: boolean } | undefined {
  let r: HostFileRead;
  try {
    r = readHostFile(root, file, MAX_STATUS_BYTES, { head: true }, "libvirt's status file");
  } catch (e) {
    if (isVirtMdevError(e)) throw e;
    throw new VirtMdevError(ExitCode.HOST, 'status-unreadable',
      `cannot read libvirt's status file ${printable(file, 200)}: ${describeSystemError(e)}; check the file (libvirt keeps one per running domain)`, { cause: e });
  }
  // absent: the domain stopped while we looked; special: not libvirt's (it writes regular files only)
  return r.ok ? { text: r.data.toString('utf8'), truncated: r.truncated === true } : undefined;
}

/** A status file's identity: any rewrite (libvirt replaces the file; an in-place write changes size or times) changes it. */
function stampOf(file: string): string | undefined {
  try {
    const st = fs.lstatSync(file, { bigint: true });
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Status files already parsed by this process, by path, with the stamp they had. The hook reads the
 * running domains once before it takes the ledger lock and again under it: the second read costs a
 * stat per file and parses only what changed meanwhile. A file modified shortly before it was read
 * is never reused (file times come from a coarse clock, so a rewrite within the same tick could keep
 * the stamp): it is parsed again.
 */
const parsedCache = new Map<string, { stamp: string; domain: RunningDomain }>();
const SETTLED_MS = 1000;

function parseStatus(root: HostRoot, file: string, fileName: string): RunningDomain | undefined {
  const read = readStatusFile(root, file);
  if (read === undefined) return undefined;
  const { text } = read;
  try {
    if (read.truncated) throw new Error('longer than the bound');
    const s = scanDomainStatus(text);
    return { name: s.name || fileName, uuid: s.uuid, mdevUuids: s.mdevUuids, file, parsed: true };
  } catch {
    // A half-written, oversized or foreign file: assume the domain runs and uses every UUID the
    // file names, so nothing it might use is ever removed on its account.
    const all = new Set<string>();
    for (const m of text.match(UUID_ANYWHERE) ?? []) all.add(m.toLowerCase());
    return { name: fileName, mdevUuids: all, file, parsed: false };
  }
}

/** Every domain with a status file, keyed by file name (= domain name). A missing directory is none. */
export function listRunningDomains(root: HostRoot): RunningDomain[] {
  const dir = root.libvirtQemuRunDir;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    // no directory: libvirt runs no domain; something else in its place: which domains run is unknown
    if (errnoCode(e) === 'ENOENT') return [];
    throw new VirtMdevError(ExitCode.HOST, 'status-unreadable',
      `cannot list libvirt's status directory ${dir}: ${describeSystemError(e)}; it must be the directory libvirt keeps its running domains in`, { cause: e });
  }
  const out: RunningDomain[] = [];
  for (const f of names.sort()) {
    if (!f.endsWith('.xml') || f.startsWith('.')) continue;
    const file = path.join(dir, f);
    const before = stampOf(file);
    const hit = before === undefined ? undefined : parsedCache.get(file);
    if (hit && hit.stamp === before) {
      out.push({ ...hit.domain, mdevUuids: new Set(hit.domain.mdevUuids) });
      continue;
    }
    const startedAt = Date.now();
    const domain = parseStatus(root, file, f.slice(0, -4));
    if (domain === undefined) continue;
    out.push(domain);
    // reusable only when unchanged across the read and last modified well before it
    let mtimeMs = Infinity;
    try { mtimeMs = fs.lstatSync(file).mtimeMs; } catch { /* gone: not reusable */ }
    if (before !== undefined && stampOf(file) === before && mtimeMs < startedAt - SETTLED_MS) {
      parsedCache.set(file, { stamp: before, domain: { ...domain, mdevUuids: new Set(domain.mdevUuids) } });
    } else parsedCache.delete(file);
  }
  return out;
}

/**
 * Parse the status files ahead of taking the ledger lock, so that listRunningDomains under the lock
 * only checks that they are unchanged. Errors are left for that read to report.
 */
export function preloadRunningDomains(root: HostRoot): void {
  try {
    listRunningDomains(root);
  } catch { /* reported by the read under the lock */ }
}

/** Is this domain (by UUID when known, else name) running? */
export function findRunning(running: RunningDomain[], d: DomainRef | undefined): RunningDomain | undefined {
  if (!d) return undefined;
  return running.find((r) => (d.uuid && r.uuid ? r.uuid === d.uuid : r.name === d.name));
}

/** The running domain (other than `except`) whose definition names this mdev UUID. */
export function runningUserOf(running: RunningDomain[], mdevUuid: string, except?: DomainRef): RunningDomain | undefined {
  return running.find((r) => r.mdevUuids.has(mdevUuid)
    && !(except && (except.uuid && r.uuid ? r.uuid === except.uuid : r.name === except.name)));
}
