// The unified diff printed by `transform --diff`: applying it to the input gives the output, hunks
// keep the requested context, and it agrees with GNU diff on the line counts.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unifiedDiff } from '../../src/transform/diff.js';
import { transformDomainXml } from '../../src/transform/transform.js';
import { corpusFiles, readCorpus } from '../domainxml/corpus.js';
import { tempDir } from '../helpers/cli.js';

/** Apply a unified diff produced from `before` (strictly: context must match). */
function applyPatch(before: string, patch: string): string {
  const a = before.endsWith('\n') ? before.slice(0, -1).split('\n') : before.split('\n');
  let finalNewline = before.endsWith('\n');
  const out: string[] = [];
  let ai = 0;
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let lastSide: string | undefined;
  for (const l of lines.slice(2)) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(l);
    if (h) {
      const start = Number(h[1]) - (h[2] === '0' ? 0 : 1);
      while (ai < start) out.push(a[ai++]);
      continue;
    }
    if (l === '\\ No newline at end of file') {
      if (lastSide === '+' || lastSide === ' ') finalNewline = false;
      if (lastSide === '-' && !before.endsWith('\n')) finalNewline = true;
      continue;
    }
    lastSide = l[0];
    if (l[0] === ' ') { if (a[ai] !== l.slice(1)) throw new Error(`context mismatch at ${ai + 1}`); out.push(a[ai++]); }
    else if (l[0] === '-') { if (a[ai] !== l.slice(1)) throw new Error(`delete mismatch at ${ai + 1}`); ai++; }
    else if (l[0] === '+') out.push(l.slice(1));
  }
  while (ai < a.length) out.push(a[ai++]);
  return out.join('\n') + (finalNewline && out.length ? '\n' : '');
}

test('equal texts give an empty diff', (t) => {
  t.is(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y'), '');
});

test('the diff of every corpus transform applies back to the output', (t) => {
  for (const f of corpusFiles()) {
    const input = readCorpus(f);
    const { output } = transformDomainXml(input, f);
    const d = unifiedDiff(input, output, `a/${f}`, `b/${f}`);
    if (input === output) { t.is(d, ''); continue; }
    t.true(d.startsWith(`--- a/${f}\n+++ b/${f}\n@@ `), f);
    t.is(applyPatch(input, d), output, f);
  }
});

test('random edits: the patch applies and is no longer than GNU diff\'s', async (t) => {
  let seed = 42;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  let haveDiff = true;
  for (let round = 0; round < 40; round++) {
    const a = Array.from({ length: 5 + rnd(60) }, () => `line ${rnd(8)}`);
    const b = a.filter(() => rnd(5) !== 0).flatMap((l) => (rnd(6) === 0 ? [l, `new ${rnd(4)}`] : [l]));
    const A = a.join('\n') + (rnd(3) ? '\n' : '');
    const B = b.join('\n') + (rnd(3) ? '\n' : '');
    const d = unifiedDiff(A, B, 'a', 'b');
    t.is(applyPatch(A, d), B, `round ${round}`);
    if (!haveDiff) continue;
    fs.writeFileSync(path.join(dir, 'a'), A);
    fs.writeFileSync(path.join(dir, 'b'), B);
    const g = await execa('diff', ['-u', 'a', 'b'], { cwd: dir, reject: false }).catch(() => undefined);
    if (!g || g.exitCode === 2) { haveDiff = false; continue; }
    const count = (s: string): number => s.split('\n').filter((l) => /^[+-](?![+-]{2} )/.test(l)).length;
    // Myers gives a shortest edit script: never more changed lines than GNU diff
    t.true(count(d) <= count(String(g.stdout)), `round ${round}`);
  }
});
