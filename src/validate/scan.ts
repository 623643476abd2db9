// Element and attribute positions of a document libxml2 has already accepted as well-formed (and
// that has no DOCTYPE, so the only references are the predefined ones and character references).
// libxml2 tells us lines only; this gives the true line and column of each element and attribute,
// and a light tree for naming what is wrong in words a person can act on.
import { LineCursor } from './position.js';

export interface ScannedAttr {
  /** qualified name as written */
  qname: string;
  value: string;
  /** where the name starts */
  line: number;
  col: number;
  /** where the value starts (just inside the quote) */
  vline: number;
  vcol: number;
}

export interface ScannedElement {
  qname: string;
  /** local name */
  name: string;
  /** namespace URI ('' for none) */
  ns: string;
  line: number;
  col: number;
  attrs: ScannedAttr[];
  children: ScannedElement[];
  parent?: ScannedElement;
}

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const XML = 'http://www.w3.org/XML/1998/namespace';

export function attrOf(el: ScannedElement, qname: string): ScannedAttr | undefined {
  return el.attrs.find((a) => a.qname === qname);
}

export function childrenNamed(el: ScannedElement, name: string, ns = ''): ScannedElement[] {
  return el.children.filter((c) => c.name === name && c.ns === ns);
}

/** Every element in document order (an array, not a recursive generator: that costs a step per level for every element). */
export function walk(el: ScannedElement): ScannedElement[] {
  const all: ScannedElement[] = [];
  const stack = [el];
  while (stack.length > 0) {
    const e = stack.pop()!;
    all.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return all;
}

export function scanDocument(text: string): ScannedElement | undefined {
  const starts = new LineCursor(text);
  const nsStack: Array<Map<string, string>> = [new Map([['xml', XML], ['xmlns', XMLNS]])];
  const stack: ScannedElement[] = [];
  let root: ScannedElement | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      i = skipTo(text, '-->', lt + 4);
    } else if (text.startsWith('<![CDATA[', lt)) {
      i = skipTo(text, ']]>', lt + 9);
    } else if (text.startsWith('<?', lt)) {
      i = skipTo(text, '?>', lt + 2);
    } else if (text.startsWith('<!', lt)) {
      i = skipTo(text, '>', lt + 2);
    } else if (text[lt + 1] === '/') {
      i = skipTo(text, '>', lt + 2);
      stack.pop();
      nsStack.pop();
    } else {
      const pos = starts.at(lt);
      const tag = readStartTag(text, lt, starts);
      const scope = scopeOf(tag.attrs, nsStack[nsStack.length - 1]!);
      const colon = tag.qname.indexOf(':');
      const prefix = colon < 0 ? '' : tag.qname.slice(0, colon);
      const el: ScannedElement = {
        qname: tag.qname,
        name: colon < 0 ? tag.qname : tag.qname.slice(colon + 1),
        ns: scope.get(prefix) ?? '',
        line: pos.line,
        col: pos.col,
        attrs: tag.attrs,
        children: [],
        parent: stack[stack.length - 1],
      };
      if (el.parent) el.parent.children.push(el);
      else root ??= el;
      i = tag.end;
      if (!tag.selfClosing) {
        stack.push(el);
        nsStack.push(scope);
      }
    }
  }
  return root;
}

/** the parent's namespace scope, or a copy with this element's declarations (few elements have any) */
function scopeOf(attrs: ScannedAttr[], parent: Map<string, string>): Map<string, string> {
  let scope = parent;
  for (const a of attrs) {
    if (a.qname !== 'xmlns' && !a.qname.startsWith('xmlns:')) continue;
    if (scope === parent) scope = new Map(parent);
    scope.set(a.qname === 'xmlns' ? '' : a.qname.slice(6), a.value);
  }
  return scope;
}

function skipTo(text: string, marker: string, from: number): number {
  const at = text.indexOf(marker, from);
  return at < 0 ? text.length : at + marker.length;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function readStartTag(text: string, lt: number, starts: LineCursor): { qname: string; attrs: ScannedAttr[]; end: number; selfClosing: boolean } {
  let i = lt + 1;
  while (i < text.length && !isSpace(text[i]) && text[i] !== '>' && text[i] !== '/') i++;
  const qname = text.slice(lt + 1, i);
  const attrs: ScannedAttr[] = [];
  for (;;) {
    while (isSpace(text[i])) i++;
    if (i >= text.length) return { qname, attrs, end: i, selfClosing: false };
    if (text[i] === '>') return { qname, attrs, end: i + 1, selfClosing: false };
    if (text[i] === '/') return { qname, attrs, end: text.indexOf('>', i) + 1 || text.length, selfClosing: true };
    const nameStart = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '=') i++;
    const name = text.slice(nameStart, i);
    while (i < text.length && text[i] !== '=') i++;
    i++;
    while (isSpace(text[i])) i++;
    const quote = text[i];
    const valueEnd = text.indexOf(quote!, i + 1);
    const raw = text.slice(i + 1, valueEnd < 0 ? text.length : valueEnd);
    i = valueEnd < 0 ? text.length : valueEnd + 1;
    const pos = starts.at(nameStart);
    const vpos = starts.at(i - raw.length - (valueEnd < 0 ? 0 : 1));
    attrs.push({ qname: name, value: decodeAttr(raw), line: pos.line, col: pos.col, vline: vpos.line, vcol: vpos.col });
  }
}

const NEEDS_DECODING = /[\t\n\r&]/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Attribute value as the XML spec normalizes it (whitespace → space, references resolved). */
function decodeAttr(raw: string): string {
  // most values have nothing to normalize: no regular expressions for those
  if (!NEEDS_DECODING.test(raw)) return raw;
  return raw.replace(/[\t\n\r]/g, ' ').replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (m, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return PREDEFINED[ref] ?? m;
  });
}
