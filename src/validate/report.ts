// Output formats of `virt-mdev validate`: text (file:line:col: message, as compilers print it),
// json (one object for the whole run) and junit (one testcase per file, for CI dashboards).
import type { FileResult } from './validate.js';

export type ReportFormat = 'text' | 'json' | 'junit';

export function textLines(r: FileResult, quiet: boolean): string[] {
  if (r.status === 'error') return [];
  const out = r.findings.map((f) => `${r.file}:${f.line}:${f.col}: ${f.message}`);
  for (const n of r.notes) out.push(`${r.file}: note: ${n}`);
  if (r.status === 'valid' && !quiet) out.push(`${r.file}: valid (${r.kind}: ${r.schemas.join(', ')})`);
  return out;
}

export function jsonReport(results: FileResult[]): unknown {
  return {
    valid: results.every((r) => r.status === 'valid'),
    files: results.map((r) => ({
      file: r.file,
      kind: r.kind ?? null,
      status: r.status,
      libvirt: r.libvirt,
      schemas: r.schemas,
      errors: r.findings,
      notes: r.notes,
      ...(r.ioError ? { ioError: r.ioError } : {}),
    })),
  };
}

// XML 1.0 cannot carry most control characters even escaped: drop them
// eslint-disable-next-line no-control-regex
const esc = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?')
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function junitReport(results: FileResult[]): string {
  const failures = results.filter((r) => r.status === 'invalid').length;
  const errors = results.filter((r) => r.status === 'error').length;
  const secs = (ms: number): string => (ms / 1000).toFixed(3);
  const total = results.reduce((s, r) => s + r.ms, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="virt-mdev validate" tests="${results.length}" failures="${failures}" errors="${errors}" time="${secs(total)}">`,
    `  <testsuite name="virt-mdev validate" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(total)}">`,
  ];
  for (const r of results) {
    const open = `    <testcase classname="virt-mdev.validate.${r.kind ?? 'unknown'}" name="${esc(r.file)}" time="${secs(r.ms)}"`;
    const notes = r.notes.length ? [`      <system-out>${esc(r.notes.join('\n'))}</system-out>`] : [];
    if (r.status === 'valid' && notes.length === 0) {
      lines.push(open + '/>');
      continue;
    }
    lines.push(open + '>');
    if (r.status === 'error') {
      lines.push(`      <error type="io" message="${esc(r.ioError ?? 'cannot read')}"/>`);
    } else if (r.status === 'invalid') {
      const body = r.findings.map((f) => `${r.file}:${f.line}:${f.col}: ${f.message}`);
      lines.push(`      <failure type="invalid" message="${esc(body[0] ?? 'invalid')}">${esc(body.join('\n'))}</failure>`);
    }
    lines.push(...notes, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
