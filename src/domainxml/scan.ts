// Exact positions inside the document text. saxes tells us where each tag starts and ends but not
// where an attribute value sits, so start tags of the few elements we may edit are re-scanned here.
// The text has already been accepted by saxes, so the scanner only has to follow well-formed syntax.
import { IntList } from './int-list.js';

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
  /** the attributes asked for when the record was made (all of them when none were named), in document order */
  attrs: AttrLoc[];
  /** the quote character of the first attribute in the start tag, undefined when it has none */
  quote?: '"' | "'";
}

export function attr(el: ElementLoc | undefined, name: string): AttrLoc | undefined {
  if (!el) return undefined;
  for (const a of el.attrs) if (a.name === name) return a;
  return undefined;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/**
 * Attribute spans of the start tag text[start, startTagEnd). `decoded` gives an attribute's value as
 * saxes decoded it (the raw text may hold entity references), by qualified name and raw value span.
 * With `wanted`, only attributes of those qualified names (the rest are stepped over unread).
 */
export function scanStartTag(text: string, start: number, startTagEnd: number,
  decoded: (name: string, valueStart: number, valueEnd: number) => string, wanted?: readonly string[]): AttrLoc[] {
  let n = 0;
  let i = start + 1;
  while (i < startTagEnd && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== GT && text.charCodeAt(i) !== SLASH) i++;
  for (;;) {
    while (i < startTagEnd && isSpace(text.charCodeAt(i))) i++;
    if (i >= startTagEnd || text.charCodeAt(i) === GT || text.charCodeAt(i) === SLASH) break;
    const nameStart = i;
    while (i < startTagEnd && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== EQ) i++;
    const name = wanted ? wantedName(text, nameStart, i, wanted) : text.slice(nameStart, i);
    while (i < startTagEnd && text.charCodeAt(i) !== EQ) i++;
    i++;
    while (i < startTagEnd && isSpace(text.charCodeAt(i))) i++;
    const quote = text.charCodeAt(i) === DQUOTE ? '"' : "'";
    const valueStart = i + 1;
    const valueEnd = text.indexOf(quote, valueStart);
    if (name !== undefined) {
      scratch[n++] = { name, value: decoded(name, valueStart, valueEnd), quote, nameStart, valueStart, valueEnd };
      // a start tag names an attribute once (saxes has checked): the rest cannot be wanted
      if (n === wanted?.length) break;
    }
    i = valueEnd + 1;
  }
  if (n === 0) return NONE;
  const found = scratch.slice(0, n);
  scratch.fill(undefined, 0, n);
  return found as AttrLoc[];
}

/**
 * scanStartTag collects here and returns an exact-size copy: an array grown from [] by push has room
 * for 16, and records are made by the thousand. Emptied after each use (its values hold slices of the
 * text); never shortened, which would give its room back. The callback never scans: no call is nested.
 */
const scratch: Array<AttrLoc | undefined> = [];
/** what a scan that finds nothing returns (shared: nobody adds to the attrs of a record) */
const NONE = Object.freeze([]) as unknown as AttrLoc[];

/** the one of `wanted` that text[start, end) spells, without making a string of it */
function wantedName(text: string, start: number, end: number, wanted: readonly string[]): string | undefined {
  for (const w of wanted) if (w.length === end - start && text.startsWith(w, start)) return w;
  return undefined;
}

/** The quote character of the first attribute of the start tag text[start, startTagEnd). */
export function firstQuote(text: string, start: number, startTagEnd: number): '"' | "'" | undefined {
  // names hold no quotes: the first quote in a start tag opens its first attribute value
  for (let i = start + 1; i < startTagEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE) return '"';
    if (c === SQUOTE) return "'";
  }
  return undefined;
}

/** 1-based line and column of offsets; \r\n, \r and \n each end a line (as XML and saxes count them). */
export class LineIndex {
  /** offsets where lines 2, 3, … start */
  private readonly starts = new IntList();
  /** the line of the last offset asked about */
  private last = 1;
  constructor(text: string) {
    if (!text.includes('\r')) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
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
    const line = this.lineOf(offset);
    return { line, col: offset - this.lineStart(line) + 1 };
  }
  /** the place of [start, end), its line and column those of start */
  span(start: number, end: number): { start: number; end: number; line: number; col: number } {
    const line = this.lineOf(start);
    return { start, end, line, col: start - this.lineStart(line) + 1 };
  }
  lineStart(line: number): number {
    return line === 1 ? 0 : this.starts.get(line - 2);
  }
  /** the line `offset` is on */
  private lineOf(offset: number): number {
    // documents are read front to back: look a few lines on from the last answer before searching
    let line = this.last;
    if (line > 1 && this.starts.get(line - 2) > offset) line = 1;
    for (let steps = 0; steps < 16; steps++) {
      if (line - 1 < this.starts.length && this.starts.get(line - 1) <= offset) line++;
      else return this.last = line;
    }
    let lo = 0;
    let hi = this.starts.length;
    // lines 1..n: count the line starts at or before offset
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts.get(mid) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return this.last = lo + 1;
  }
}
