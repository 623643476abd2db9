// A unified line diff (Myers' O(ND) algorithm) for `transform --diff`, so admins see exactly which
// lines change before they `virsh define` the result. Lines keep their '\r' so CRLF edits show.

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Lines with their '\n' kept, so a missing newline at the end is a difference like any other. */
function splitLines(s: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < s.length) {
    const nl = s.indexOf('\n', at);
    const end = nl < 0 ? s.length : nl + 1;
    out.push(s.slice(at, end));
    at = end;
  }
  return out;
}

/** Shortest edit script between a and b; common prefix and suffix are trimmed first (edits are local). */
function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const ops: Op[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }));
  ops.push(...myers(A, B));
  ops.push(...a.slice(a.length - suf).map((line): Op => ({ kind: ' ', line })));
  return ops;
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ kind: '+', line }));
  if (m === 0) return a.map((line) => ({ kind: '-', line }));
  const max = n + m;
  const off = max;
  const v = new Int32Array(2 * max + 2);
  // trace[d] holds v[-d..d] after step d: memory grows with D², not with (N+M)·D
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d - 1];
    const get = (k: number): number => prev[k + (d - 1)];
    const k = x - y;
    const down = k === -d || (k !== d && get(k - 1) < get(k + 1));
    const pk = down ? k + 1 : k - 1;
    const px = get(pk);
    const py = px - pk;
    while (x > px && y > py) { ops.push({ kind: ' ', line: a[x - 1] }); x--; y--; }
    if (down) { ops.push({ kind: '+', line: b[y - 1] }); y--; }
    else { ops.push({ kind: '-', line: a[x - 1] }); x--; }
  }
  while (x > 0 && y > 0) { ops.push({ kind: ' ', line: a[x - 1] }); x--; y--; }
  return ops.reverse();
}

/** `diff -u` style output; '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return '';
  const A = splitLines(before);
  const B = splitLines(after);
  const ops = diffLines(A, B);
  const out: string[] = [`--- ${fromName}`, `+++ ${toName}`];
  // positions (1-based) of each op in a and b
  const ai: number[] = [];
  const bi: number[] = [];
  let la = 0;
  let lb = 0;
  for (const op of ops) {
    ai.push(la + 1);
    bi.push(lb + 1);
    if (op.kind !== '+') la++;
    if (op.kind !== '-') lb++;
  }
  let i = 0;
  while (i < ops.length) {
    if (ops[i].kind === ' ') { i++; continue; }
    // a hunk: from `context` lines before this change to `context` lines after the last change that
    // is at most 2*context lines from the next one
    const start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if (ops[end].kind !== ' ') lastChange = end;
      else if (end - lastChange > 2 * context) break;
      end++;
    }
    end = Math.min(ops.length, lastChange + context + 1);
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aCount === 0 ? ai[start] - 1 : ai[start];
    const bStart = bCount === 0 ? bi[start] - 1 : bi[start];
    out.push(`@@ -${aStart}${aCount === 1 ? '' : ',' + aCount} +${bStart}${bCount === 1 ? '' : ',' + bCount} @@`);
    for (let j = start; j < end; j++) {
      const line = ops[j].line;
      if (line.endsWith('\n')) out.push(ops[j].kind + line.slice(0, -1));
      else out.push(ops[j].kind + line, '\\ No newline at end of file');
    }
    i = end;
  }
  return out.join('\n') + '\n';
}
