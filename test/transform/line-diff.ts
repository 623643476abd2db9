// Which lines differ between two texts (via the product's own diff, checked separately in diff.test).
import { unifiedDiff } from '../../src/transform/diff.js';

export interface ChangedLine {
  /** 1-based line in the text it belongs to */
  line: number;
  text: string;
  /** for added lines: the line of the old text they are inserted before */
  atBefore: number;
}

export function lineChanges(before: string, after: string): { removed: ChangedLine[]; added: ChangedLine[] } {
  const removed: ChangedLine[] = [];
  const added: ChangedLine[] = [];
  const d = unifiedDiff(before, after, 'a', 'b', 0);
  let a = 0;
  let b = 0;
  for (const l of d.split('\n').slice(2)) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(l);
    if (h) {
      a = Number(h[1]) + (h[2] === '0' ? 1 : 0);
      b = Number(h[3]) + (h[4] === '0' ? 1 : 0);
      continue;
    }
    if (l.startsWith('-')) removed.push({ line: a, atBefore: a, text: l.slice(1) }), a++;
    else if (l.startsWith('+')) added.push({ line: b++, atBefore: a, text: l.slice(1) });
    else if (l.startsWith(' ')) { a++; b++; }
  }
  return { removed, added };
}
