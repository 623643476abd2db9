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

/** An element a diagnostic names ("Extra element X in interleave", "Expecting …, got X") inside its anchor. */
function namedInside(anchor: ScannedElement, message: string): ScannedElement | undefined {
  const m = /(?:Extra element|got|Element) ([\w:.-]+)/.exec(message);
  if (!m) return undefined;
  const stack = [...anchor.children];
  while (stack.length) {
    const el = stack.shift()!;
    if (el.qname === m[1]) return el;
    stack.push(...el.children);
  }
  return undefined;
}

/** At most this many of libxml2's lines per schema: past the first few they repeat the same failure. */
const MAX_DETAILS = 8;

export function findingsFromDetails(details: ErrorDetail[], root: ScannedElement | undefined, source: FindingSource, prefix: string): Finding[] {
  const located = details.map((d) => {
    const el = d.xpath ? elementAtPath(root, d.xpath) : undefined;
    if (el) return { d, el, line: el.line, col: el.col };
    if (d.line > 0) {
      const onLine = firstElementOnLine(root, d.line);
      return { d, el: onLine, line: d.line, col: d.col > 0 ? d.col : onLine?.col ?? 1 };
    }
    return { d, el: undefined as ScannedElement | undefined, line: 0, col: 0 };
  });
  // libxml2 emits a diagnostic without a place just before the one for the element it is about
  for (let i = 0; i < located.length; i++) {
    const l = located[i]!;
    if (l.line > 0) continue;
    const next = located.slice(i + 1).find((x) => x.line > 0) ?? located.slice(0, i).reverse().find((x) => x.line > 0);
    const anchor = next?.el ?? root;
    const named = anchor ? namedInside(anchor, l.d.message) : undefined;
    const at = named ?? anchor;
    l.line = at?.line ?? next?.line ?? 1;
    l.col = at?.col ?? next?.col ?? 1;
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const l of located) {
    const message = prefix + l.d.message.trim().replace(/\s+/g, ' ');
    const key = `${l.line}:${l.col}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ line: l.line, col: l.col, message, source });
    if (out.length >= MAX_DETAILS) break;
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
