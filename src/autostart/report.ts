// One line per device or pool for people and boot logs; the same facts as JSON for scripts.
import type { StoreProblem } from '../definitions/types.js';
import type { AutostartResult, DefinitionResult, Late, PoolResult } from './types.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The line for something that was waited for and never came. */
export function neverAppearedMessage(late: Late, type: string, file: string, waitMs: number): string {
  const within = `within ${waitMs / 1000} s`;
  if (late.for === 'parent' && late.parent !== undefined) {
    return `parent ${late.parent} did not register for mdev support ${within}: is its vendor driver loaded and bound? (start it later with 'virt-mdev autostart --parent ${late.parent}')`;
  }
  const what = late.parent === undefined ? `no parent offered type ${type}` : `parent ${late.parent} did not offer type ${type}`;
  return `${what} ${within}: is the vendor's daemon running, or is the type wrong in ${file}?`;
}

/** "waiting up to 30 s for parent mtty to register" and the like, for the progress note */
export function waitingNote(late: Late, type: string, waitMs: number): string {
  const what = late.parent === undefined ? `a parent to offer ${type}`
    : late.for === 'parent' ? `parent ${late.parent} to register` : `parent ${late.parent} to offer ${type}`;
  return `waiting up to ${waitMs / 1000} s for ${what}`;
}

function waitedText(r: { waitedMs?: number; waitedFor?: 'parent' | 'type' }, parent: string | undefined, type: string): string {
  if (r.waitedMs === undefined || !r.waitedFor) return '';
  const what = r.waitedFor === 'parent' ? `parent ${parent ?? '?'}` : parent === undefined ? `a parent offering ${type}` : `type ${type}`;
  return `, waited ${secs(r.waitedMs)} for ${what}`;
}

function definitionLine(r: DefinitionResult): string {
  const what = `${r.uuid} ${r.type ? `${r.type} ` : ''}on ${r.parent}`;
  const waited = waitedText(r, r.parent, r.type);
  switch (r.state) {
    case 'started': return `${what}: started${waited}`;
    case 'already-active': return `${what}: already active${waited}`;
    case 'skipped': return `${what}: skipped: ${r.message ?? ''}`;
    case 'failed':
    case 'incomplete':
      return `${what}: failed${r.waitedFor && r.reason !== 'parent-absent' && r.reason !== 'no-type' ? ` (${waited.slice(2)})` : ''}: ${r.message ?? ''}`;
  }
}

/** "pool vdi: 8 of 8 members" / "pool vdi: 5 of 8 members, 3 missing: <why>" */
function poolLine(r: PoolResult): string {
  const head = `pool ${r.pool}: `;
  if (r.state === 'skipped') return `${head}skipped: ${r.message ?? ''}`;
  // a definition that could not be read: there is no count to give
  if (r.state === 'failed' && r.missing.length === 0) return `${head}failed: ${r.message ?? ''}`;
  const count = `${r.members} of ${r.size} members`;
  if (r.missing.length === 0) return `${head}${count}${waitedText(r, r.waitedOn, r.type)}`;
  return `${head}${count}, ${r.missing.length} missing: ${r.message ?? ''}`;
}

export function resultLine(r: AutostartResult): string {
  return r.kind === 'pool' ? poolLine(r) : definitionLine(r);
}

export function problemLine(p: StoreProblem): string {
  return `${p.file}: failed: ${p.message}`;
}
