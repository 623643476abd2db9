// Tables as virsh prints them (vshTable): a leading space, columns three spaces apart, a dashed rule
// under the header, and an empty line at the end.
export function virshTable(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => ' ' + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(w[i]!))).join('   ');
  const rule = '-'.repeat(w.reduce((n, x) => n + x + 3, 0));
  return [line(header), rule, ...rows.map(line), ''].join('\n') + '\n';
}

/** `Name:           value` lines as virsh's *-info commands print them. */
export function virshInfo(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(15)} ${v}\n`).join('') + '\n';
}
