// One definition file's bytes, as mdevctl 1.2 reads and writes them (observed on Debian 12, captured in
// test/data/mdevctl-store and test/data/mdevctl-define): two-space JSON, keys mdev_type, start, attrs,
// no final newline.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { canonicalUuid, isSafeSysfsName, isUuid, printable } from '../util/validate.js';
import type { MdevAttr, MdevDefinition, StartMode } from './types.js';

const KNOWN_KEYS = new Set(['mdev_type', 'start', 'attrs']);
const ATTR_NAME = /^[A-Za-z0-9_.:+@-]{1,128}$/;

/**
 * The UUID a store file's name stands for, read as mdevctl reads it (Rust's Uuid::parse_str: any case,
 * dashed or 32 hex digits, braced, urn:uuid:), or undefined for names mdevctl skips (temporary files).
 */
export function uuidOfFileName(name: string): string | undefined {
  // the braced and urn forms wrap only the dashed form, and 'urn:uuid:' is case-sensitive (as the uuid crate)
  let s = name;
  let wrapped = true;
  if (s.startsWith('urn:uuid:')) s = s.slice('urn:uuid:'.length);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  else wrapped = false;
  if (!isUuid(s) || (wrapped && s.length !== 36)) return undefined;
  return canonicalUuid(s);
}

/** Attribute names become a file name in the device's sysfs directory: one plain name, no '/' or '..'. */
export function checkDefinitionAttrName(name: string, where: string): string {
  if (!ATTR_NAME.test(name) || name === '.' || name.includes('..')) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-attr',
      `${where}: attribute name '${printable(name)}' is not a sysfs attribute of the device: use a file name such as assign_adapter (no '/', no '..')`);
  }
  return name;
}

export interface ParsedDefinitionFile {
  type: string;
  start: StartMode;
  attrs: MdevAttr[];
  extra: Record<string, unknown>;
}

function invalid(file: string, why: string): VirtMdevError {
  return new VirtMdevError(ExitCode.BAD_VALUE, 'bad-definition',
    `mdevctl definition ${file} is invalid (${why}): fix or remove the file (mdevctl and libvirt cannot list any device while it is there)`);
}

function parseAttrs(file: string, raw: unknown): MdevAttr[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid(file, "'attrs' is not a list");
  return raw.map((a: unknown, i) => {
    if (!a || typeof a !== 'object' || Array.isArray(a)) throw invalid(file, `attrs[${i}] is not an object`);
    const keys = Object.keys(a);
    if (keys.length !== 1) throw invalid(file, `attrs[${i}] must have exactly one name, it has ${keys.length}`);
    const value = (a as Record<string, unknown>)[keys[0]];
    if (typeof value !== 'string') throw invalid(file, `attrs[${i}] '${printable(keys[0])}' has a value that is not a string`);
    return { name: checkDefinitionAttrName(keys[0], file), value };
  });
}

/** Parse a definition file's bytes; VirtMdevError BAD_VALUE naming the file when mdevctl would fail on it. */
export function parseDefinitionFile(bytes: Buffer, file: string): ParsedDefinitionFile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(file, 'not UTF-8');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    // JSON.parse may quote the text it stopped at: one line, bounded
    throw invalid(file, `not JSON: ${printable((e as Error).message, 120)}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw invalid(file, 'not a JSON object');
  const o = data as Record<string, unknown>;
  if (typeof o.mdev_type !== 'string' || o.mdev_type === '') throw invalid(file, "no 'mdev_type'");
  // the type becomes a sysfs path when the device is started: never one that walks out of it
  if (!isSafeSysfsName(o.mdev_type)) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-definition',
      `${file}: 'mdev_type' '${printable(o.mdev_type)}' is not a type id (a directory name under mdev_supported_types, no '/', no '..'): fix or remove the file`);
  }
  // mdevctl rejects a file without 'start' ("invalid json"), but takes any value there
  if (o.start === undefined || o.start === null) throw invalid(file, "no 'start' (write \"start\": \"manual\" or \"auto\")");
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN_KEYS.has(k)) extra[k] = v;
  // mdevctl starts a device at boot only for exactly "auto"; anything else is manual
  return { type: o.mdev_type, start: o.start === 'auto' ? 'auto' : 'manual', attrs: parseAttrs(file, o.attrs), extra };
}

/** The bytes mdevctl 1.2 writes for this definition, plus any keys it did not know (after its own). */
export function formatDefinitionFile(d: Pick<MdevDefinition, 'type' | 'start' | 'attrs' | 'extra'>): string {
  const obj: Record<string, unknown> = {
    mdev_type: d.type,
    start: d.start,
    attrs: d.attrs.map((a) => ({ [a.name]: a.value })),
  };
  for (const [k, v] of Object.entries(d.extra)) if (!KNOWN_KEYS.has(k)) obj[k] = v;
  return JSON.stringify(obj, null, 2);
}

/** `mdevctl list --defined --dumpjson` of these definitions (what libvirt parses), as a value. */
export function mdevctlDumpJson(defs: MdevDefinition[]): unknown[] {
  if (defs.length === 0) return [];
  const byParent: Record<string, unknown[]> = {};
  for (const d of defs) {
    (byParent[d.parent] ??= []).push({ [d.uuid]: { mdev_type: d.type, start: d.start, attrs: d.attrs.map((a) => ({ [a.name]: a.value })) } });
  }
  return [byParent];
}
