// Where the elements the parse keeps sit in the text, as numbers outside the JavaScript heap while
// saxes reads. A domain with 10,000 hostdevs has some 40,000 such elements: as objects with
// attribute records they were live through the whole parse, and the garbage collector copied and
// promoted them again and again, which made a large document cost more per hostdev than a small one.
// Element records (ElementLoc, with attribute spans) are made afterwards, for the elements asked for.
import { IntList } from './int-list.js';
import { firstQuote, scanStartTag, type AttrLoc, type ElementLoc } from './scan.js';

const FIELDS = 5; // start, startTagEnd, end, endTagStart, self-closing (1 or 0)
const AMP = 0x26;

/**
 * The elements a parse keeps, by id (the order they were added). Attribute values are read from the
 * text; the few that saxes decoded to something else (entity and character references, whitespace
 * characters, which XML turns into spaces) are noted while saxes still has them.
 */
export class ElementTable {
  private readonly cols = new IntList();
  /** decoded attribute values that differ from their raw text, by the offset where the raw value starts */
  private readonly decoded = new Map<number, string>();

  /** an attribute's value as saxes decoded it, by its raw span (made once: records are made by the thousand) */
  private readonly valueAt: (name: string, valueStart: number, valueEnd: number) => string;

  constructor(private readonly text: string) {
    this.valueAt = (_name, valueStart, valueEnd) =>
      this.decoded.get(valueStart) ?? commonValue(text, valueStart, valueEnd) ?? text.slice(valueStart, valueEnd);
  }

  /**
   * A start tag text[start, startTagEnd) that saxes has read, with the attribute values saxes decoded
   * (by qualified name). A self-closing element is complete; any other is completed by close().
   */
  add(start: number, startTagEnd: number, selfClosing: boolean, attributes: Record<string, string>): number {
    const id = this.cols.length / FIELDS;
    this.cols.push(start);
    this.cols.push(startTagEnd);
    this.cols.push(startTagEnd);
    this.cols.push(startTagEnd - 2);
    this.cols.push(selfClosing ? 1 : 0);
    if (this.mayHaveDecodedValues(start, startTagEnd)) {
      for (const a of scanStartTag(this.text, start, startTagEnd, (name) => attributes[name] ?? '')) {
        if (a.value !== this.text.slice(a.valueStart, a.valueEnd)) this.decoded.set(a.valueStart, a.value);
      }
    }
    return id;
  }

  /** [end of the end tag, its '<') of a non-self-closing element */
  close(id: number, end: number, endTagStart: number): void {
    this.cols.set(id * FIELDS + 2, end);
    this.cols.set(id * FIELDS + 3, endTagStart);
  }

  start(id: number): number {
    return this.cols.get(id * FIELDS);
  }

  selfClosing(id: number): boolean {
    return this.cols.get(id * FIELDS + 4) === 1;
  }

  /** The element's record, with the attributes named in `wanted` (all when undefined). */
  loc(id: number, wanted?: readonly string[]): ElementLoc {
    const start = this.cols.get(id * FIELDS);
    const startTagEnd = this.cols.get(id * FIELDS + 1);
    return {
      qname: qnameAt(this.text, start),
      start,
      startTagEnd,
      end: this.cols.get(id * FIELDS + 2),
      endTagStart: this.cols.get(id * FIELDS + 3),
      selfClosing: this.selfClosing(id),
      attrs: wanted?.length === 0 ? NO_ATTRS : scanStartTag(this.text, start, startTagEnd, this.valueAt, wanted),
      quote: firstQuote(this.text, start, startTagEnd),
    };
  }

  /** The first of `wanted` the element's start tag has, alone (no record of the element is made). */
  attr(id: number, wanted: readonly string[]): AttrLoc | undefined {
    return scanStartTag(this.text, this.cols.get(id * FIELDS), this.cols.get(id * FIELDS + 1), this.valueAt, wanted)[0];
  }

  /** saxes changes a raw value only at '&', tab, line feed and carriage return */
  private mayHaveDecodedValues(start: number, end: number): boolean {
    const { text } = this;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === AMP || c === 0x09 || c === 0x0a || c === 0x0d) return true;
    }
    return false;
  }
}

/** the attributes of a record made without any (shared: records are made by the thousand; nobody adds to them) */
const NO_ATTRS = Object.freeze([]) as unknown as AttrLoc[];

/** values written on every hostdev: one string each, rather than a new one for each element read */
const COMMON_VALUES = ['mdev', 'pci', 'ccw', 'ap', 'subsystem', 'yes', 'no', 'on', 'off', 'vfio-pci', 'vfio-ccw', 'vfio-ap'];

function commonValue(text: string, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > 9) return undefined;
  for (const v of COMMON_VALUES) if (v.length === n && text.startsWith(v, start)) return v;
  return undefined;
}

/** names of the elements a domain parse keeps: one string each, rather than a new one for each record */
const COMMON_NAMES = ['hostdev', 'source', 'address', 'mdev', 'domain', 'name', 'uuid', 'metadata'];

/** The qualified name of the start tag at `start`, as written (saxes has accepted it). */
export function qnameAt(text: string, start: number): string {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3e /* > */ || c === 0x2f /* / */ || Number.isNaN(c)) break;
    i++;
  }
  for (const n of COMMON_NAMES) if (n.length === i - start - 1 && text.startsWith(n, start + 1)) return n;
  return text.slice(start + 1, i);
}
