// Turns libxml2's diagnostics into file:line:col findings. libxml2 reports validity errors with a
// line and an XPath of the node but no column (and sometimes line 0); the scanned tree gives the
// true position of the element the XPath names.
import type { ErrorDetail } from 'libxml2-wasm';
import type { ScannedElement } from './scan.js';

export type FindingSource = 'xml' | 'virt-mdev' | 'libvirt';

export interface Finding {
  line: number;
  col: number;
  message: string;
  /** who found it: well-formedness, virt-mdev's schemas, libvirt's schemas */
  source: FindingSource;
}

/** The element an xmlGetNodePath()-style path names, e.g. /domain/devices/hostdev[2]/source. */
export function elementAtPath(root: ScannedElement | undefined, xpath: string): ScannedElement | undefined {
  if (!root || !xpath.startsWith('/')) return undefined;
  const steps = xpath.slice(1).split('/');
  let cur: ScannedElement | undefined;
  let candidates: ScannedElement[] = [root];
  for (const step of steps) {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(step);
    if (!m) return cur;
    const test = m[1]!;
    const index = m[2] ? Number(m[2]) : 1;
    const named = /^\*\[name\(\)='(.*)'\]$/.exec(test);
    const matches = candidates.filter((c) => (named ? c.qname === named[1] || c.name === named[1] : test === '*' ? true : c.qname === test));
    const next = matches[index - 1];
    if (!next) return cur;
    cur = next;
    candidates = next.children;
  }
  return cur;
}

function firstElementOnLine(root: ScannedElement | undefined, line: number): ScannedElement | undefined {
  if (!root) return undefined;
  const stack = [root];
  while (stack.length) {
    const el = stack.shift()!;
    if (el.line === line) return el;
    if (el.line > line) continue;
    stack.unshift(...el.children);
  }
  return undefined;
}

export function findingsFromDetails(details: ErrorDetail[], root: ScannedElement | undefined, source: FindingSource, prefix: string): Finding[] {
  const located = details.map((d) => {
    const el = d.xpath ? elementAtPath(root, d.xpath) : undefined;
    if (el) return { d, line: el.line, col: el.col };
    if (d.line > 0) {
      const onLine = firstElementOnLine(root, d.line);
      return { d, line: d.line, col: d.col > 0 ? d.col : onLine?.col ?? 1 };
    }
    return { d, line: 0, col: 0 };
  });
  // a diagnostic without a place belongs to the next (or previous) one that has a place
  const anchor = located.find((l) => l.line > 0) ?? { line: root?.line ?? 1, col: root?.col ?? 1 };
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const l of located) {
    const line = l.line > 0 ? l.line : anchor.line;
    const col = l.line > 0 ? l.col : anchor.col;
    const message = prefix + l.d.message.trim().replace(/\s+/g, ' ');
    const key = `${line}:${col}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ line, col, message, source });
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
