// Which definition a command means by a UUID. mdevctl lets one UUID be defined under two parents,
// but libvirt never passes a parent to start/undefine and breaks on such a UUID; virt-mdev refuses to
// guess and names both files. A file that should hold the UUID but cannot be read is named too.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import type { MdevDefinition, StoreSnapshot } from './types.js';

/**
 * The definitions of a UUID, one per parent (a second spelling of the file in the same directory is
 * the same definition: the canonical lower-case name wins). `parents` keeps only those parents.
 * Throws, naming the file, when a file for this UUID is unreadable.
 */
export function definitionsOfUuid(snap: StoreSnapshot, uuid: string, parents?: (parent: string) => boolean): MdevDefinition[] {
  const bad = snap.problems.find((p) => p.uuid === uuid && (!parents || p.parent === undefined || parents(p.parent)));
  if (bad) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-definition', bad.message);
  }
  return oneFilePerDevice(snap.definitions.filter((d) => d.uuid === uuid && (!parents || parents(d.parent))));
}

function isCanonicalFile(d: MdevDefinition): boolean {
  return d.file.endsWith('/' + d.uuid);
}

/**
 * One definition per parent and UUID: mdevctl lists a hand-written second spelling of a file (upper
 * case, braced) as a second device, but it is the same device; the canonical lower-case name wins.
 */
export function oneFilePerDevice(defs: MdevDefinition[]): MdevDefinition[] {
  const byKey = new Map<string, MdevDefinition>();
  for (const d of defs) {
    const key = `${d.parent}/${d.uuid}`;
    const seen = byKey.get(key);
    if (!seen || (!isCanonicalFile(seen) && isCanonicalFile(d))) byKey.set(key, d);
  }
  return [...byKey.values()];
}

/** Refuse a UUID defined under more than one parent, naming every file. */
export function onlyDefinition(defs: MdevDefinition[], uuid: string, hint: string): MdevDefinition | undefined {
  if (defs.length <= 1) return defs[0];
  throw new VirtMdevError(ExitCode.EXISTS, 'defined-twice',
    `mdev ${uuid} is defined under ${defs.length} parents (${defs.map((d) => d.file).join(' and ')}): ${hint}`);
}
