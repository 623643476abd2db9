// Exact positions inside the document text. saxes tells us where each tag starts and ends but not
// where an attribute value sits, so start tags of the few elements we may edit are re-scanned here.
// The text has already been accepted by saxes, so the scanner only has to follow well-formed syntax.

/** An attribute as written: value span excludes the quotes; `value` is the decoded value from saxes. */
export interface AttrLoc {
  /** qualified name as written, e.g. 'uuid' or 'xmlns:virt-mdev' */
  name: string;
  /** decoded value (entity and character references resolved) */
  value: string;
  /** the quote character used */
  quote: '"' | "'";
  /** offset of the first character of the name */
  nameStart: number;
  /** [valueStart, valueEnd) is the raw value between the quotes */
  valueStart: number;
  valueEnd: number;
}

/** An element's place: [start, end) covers `<x …>` through `</x>` (or the whole `<x …/>`). */
export interface ElementLoc {
  /** qualified name as written */
  qname: string;
  start: number;
  /** offset just after the start tag's '>' */
  startTagEnd: number;
  /** offset just after the end tag's '>' (== startTagEnd when self-closing) */
  end: number;
  /** offset of the end tag's '<' (== startTagEnd - 2 when self-closing, i.e. the '/' of '/>') */
  endTagStart: number;
  selfClosing: boolean;
  attrs: AttrLoc[];
}

export function attr(el: ElementLoc | undefined, name: string): AttrLoc | undefined {
  if (!el) return undefined;
  for (const a of el.attrs) if (a.name === name) return a;
  return undefined;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Attribute spans of the start tag text[start, startTagEnd). `decoded` maps qualified names to the
 * values saxes decoded (the raw text may hold entity references).
 */
export function scanStartTag(text: string, start: number, startTagEnd: number, decoded: (name: string) => string): AttrLoc[] {
  const out: AttrLoc[] = [];
  let i = start + 1;
  while (i < startTagEnd && !isSpace(text.charCodeAt(i)) && text[i] !== '>' && text[i] !== '/') i++;
  for (;;) {
    while (i < startTagEnd && isSpace(text.charCodeAt(i))) i++;
    if (i >= startTagEnd || text[i] === '>' || text[i] === '/') break;
    const nameStart = i;
    while (i < startTagEnd && !isSpace(text.charCodeAt(i)) && text[i] !== '=') i++;
    const name = text.slice(nameStart, i);
    while (i < startTagEnd && text[i] !== '=') i++;
    i++;
    while (i < startTagEnd && isSpace(text.charCodeAt(i))) i++;
    const quote = text[i] === '"' ? '"' : "'";
    const valueStart = i + 1;
    const valueEnd = text.indexOf(quote, valueStart);
    out.push({ name, value: decoded(name), quote, nameStart, valueStart, valueEnd });
    i = valueEnd + 1;
  }
  return out;
}

/** 1-based line and column of offsets; \r\n, \r and \n each end a line (as XML and saxes count them). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.starts.push(i + 1);
      else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        this.starts.push(i + 1);
      }
    }
  }
  at(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
  lineStart(line: number): number {
    return this.starts[line - 1];
  }
}
