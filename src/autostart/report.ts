// One line per device for people and boot logs; the same facts as JSON for scripts.
import type { StoreProblem } from '../definitions/types.js';
import type { AutostartResult } from './types.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function resultLine(r: AutostartResult): string {
  const what = `${r.uuid} ${r.type ? `${r.type} ` : ''}on ${r.parent}`;
  const waited = r.waitedMs !== undefined && r.waitedFor
    ? `, waited ${secs(r.waitedMs)} for ${r.waitedFor === 'parent' ? `parent ${r.parent}` : `type ${r.type}`}` : '';
  switch (r.state) {
    case 'started': return `${what}: started${waited}`;
    case 'already-active': return `${what}: already active${waited}`;
    case 'skipped': return `${what}: skipped: ${r.message ?? ''}`;
    case 'failed': return `${what}: failed${r.waitedFor && r.reason !== 'parent-absent' && r.reason !== 'no-type' ? ` (${waited.slice(2)})` : ''}: ${r.message ?? ''}`;
  }
}

export function problemLine(p: StoreProblem): string {
  return `${p.file}: failed: ${p.message}`;
}
