// `nodedev-dumpxml --xpath` as virsh does it: each node of the result printed the way libxml2 dumps
// it (elements re-indented, attributes as ` name="value"`, text as is), or all of them wrapped in
// <nodes> with --wrap. xmldom and xpath are loaded only here, on demand, to keep other commands fast.
// Beyond virsh, a scalar result (count(), string()) is printed instead of rejected.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';

interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<DomNode>;
  attributes?: ArrayLike<DomNode> | null;
}

const ELEMENT = 1, ATTRIBUTE = 2, TEXT = 3, CDATA = 4, COMMENT = 8, DOCUMENT = 9;

const escText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
const escAttr = (s: string): string => escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');

function attrString(a: DomNode): string {
  return `${a.nodeName}="${escAttr(a.nodeValue ?? '')}"`;
}

/** libxml2's formatted dump: blank text dropped, two-space indent, text-only elements on one line. */
function dumpElement(el: DomNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Array.from(el.attributes ?? []).map((a) => ' ' + attrString(a)).join('');
  const kids = Array.from(el.childNodes).filter((c) => !((c.nodeType === TEXT) && (c.nodeValue ?? '').trim() === ''));
  if (kids.length === 0) { out.push(`${pad}<${el.nodeName}${attrs}/>`); return; }
  if (kids.every((c) => c.nodeType === TEXT || c.nodeType === CDATA)) {
    out.push(`${pad}<${el.nodeName}${attrs}>${kids.map((c) => escText(c.nodeValue ?? '')).join('')}</${el.nodeName}>`);
    return;
  }
  out.push(`${pad}<${el.nodeName}${attrs}>`);
  for (const c of kids) {
    if (c.nodeType === ELEMENT) dumpElement(c, depth + 1, out);
    else if (c.nodeType === COMMENT) out.push(`${pad}  <!--${c.nodeValue ?? ''}-->`);
    else out.push(`${pad}  ${escText((c.nodeValue ?? '').trim())}`);
  }
  out.push(`${pad}</${el.nodeName}>`);
}

function dumpNode(n: DomNode): string {
  switch (n.nodeType) {
    case ELEMENT: { const out: string[] = []; dumpElement(n, 0, out); return out.join('\n'); }
    case ATTRIBUTE: return ' ' + attrString(n);
    case DOCUMENT: return Array.from(n.childNodes).filter((c) => c.nodeType === ELEMENT).map(dumpNode).join('\n');
    default: return n.nodeValue ?? '';
  }
}

export async function evalXpath(xml: string, expr: string, wrap: boolean): Promise<string> {
  // both are CommonJS: their exports object is the namespace's default, in Node and in a split bundle
  // (whose chunk for a CommonJS module exports only that default)
  const { DOMParser } = (await import('@xmldom/xmldom')).default;
  const xpath = (await import('xpath')).default;
  const doc = new DOMParser().parseFromString(xml, 'text/xml') as unknown as Node;
  let result: unknown;
  try {
    result = xpath.select(expr, doc);
  } catch (e) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-xpath', `invalid XPath expression '${printable(expr)}': ${(e as Error).message}`);
  }
  if (!Array.isArray(result)) {
    const v = String(result);
    return wrap ? `<nodes>${escText(v)}</nodes>\n` : `${v}\n`;
  }
  const nodes = result as DomNode[];
  if (!wrap) return nodes.map((n) => dumpNode(n) + '\n').join('');
  // --wrap: copies under one <nodes> element; attribute results become attributes of <nodes>, as libxml2's xmlAddChild does
  const attrs = nodes.filter((n) => n.nodeType === ATTRIBUTE).map((a) => ' ' + attrString(a)).join('');
  const rest = nodes.filter((n) => n.nodeType !== ATTRIBUTE);
  if (rest.length === 0) return `<nodes${attrs}/>\n`;
  const out: string[] = [`<nodes${attrs}>`];
  for (const n of rest) {
    if (n.nodeType === ELEMENT) dumpElement(n, 1, out);
    else out.push('  ' + escText(dumpNode(n)));
  }
  out.push('</nodes>');
  return out.join('\n') + '\n';
}
