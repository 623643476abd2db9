// The edits transform plans for a domain's hostdevs, kept as numbers until the output is joined. A
// domain with 10,000 hostdevs gets some 17,500 of them: as objects, each with its own <address uuid>
// text, they lived through the rest of the parse and the garbage collector copied and promoted them
// (a large domain cost more per hostdev than a small one). Texts are made when the output is joined.
import { IntList } from '../domainxml/int-list.js';

const FIELDS = 3; // start, end, what: a text id (≥ 0), or an <address uuid> (addressCode, < 0)

/** an <address uuid> edit's `what`: the device and its quote in one negative number */
function addressCode(device: number, quote: string): number {
  return -1 - (device * 2 + (quote === '"' ? 1 : 0));
}

/** An edit whose text comes in pieces (our metadata element: thousands of entries make no one string of it). */
export interface PiecesEdit {
  start: number;
  end: number;
  pieces: readonly string[];
}

/** Non-overlapping edits of [start, end) ranges, planned in document order. */
export class PlannedEdits {
  private readonly cols = new IntList();
  /** the fixed texts edits put in ('mdev', ` model='vfio-pci'`, …), by id */
  private readonly texts: string[] = [];
  private readonly textIds = new Map<string, number>();

  get count(): number {
    return this.cols.length / FIELDS;
  }

  /** Replace [start, end) with `text`, one of a few texts many edits share (an empty range inserts it). */
  replace(start: number, end: number, text: string): void {
    let id = this.textIds.get(text);
    if (id === undefined) {
      id = this.texts.push(text) - 1;
      this.textIds.set(text, id);
    }
    this.push(start, end, id);
  }

  /** Replace [start, end) with `<address uuid='…'/>` for the device `device` of the plan, in `quote`. */
  address(start: number, end: number, device: number, quote: string): void {
    this.push(start, end, addressCode(device, quote));
  }

  /**
   * The text with every edit applied, and `extra` (outside all the others) at its place; `uuidOf`
   * gives the UUID of a planned device. One join: the cost is linear in the document's size.
   */
  join(text: string, uuidOf: (device: number) => string, extra?: PiecesEdit): string {
    const n = this.count;
    if (n === 0 && !extra) return text;
    const out = new TextJoiner();
    let at = 0;
    const keep = (start: number, end: number): void => {
      if (start < at) throw new Error(`internal error: overlapping edits at offset ${start}`);
      out.add(text.slice(at, start));
      at = end;
    };
    let pending = extra;
    for (let i = 0; i < n; i++) {
      const start = this.cols.get(i * FIELDS);
      if (pending && pending.start <= start) {
        keep(pending.start, pending.end);
        for (const p of pending.pieces) out.add(p);
        pending = undefined;
      }
      keep(start, this.cols.get(i * FIELDS + 1));
      const what = this.cols.get(i * FIELDS + 2);
      if (what >= 0) out.add(this.texts[what]);
      else {
        const code = -1 - what; // addressCode undone
        out.add(addressText(uuidOf(code >> 1), code & 1 ? '"' : "'"));
      }
    }
    if (pending) {
      keep(pending.start, pending.end);
      for (const p of pending.pieces) out.add(p);
    }
    out.add(text.slice(at));
    return out.join();
  }

  private push(start: number, end: number, what: number): void {
    const last = this.count - 1;
    if (last >= 0 && start < this.cols.get(last * FIELDS + 1)) {
      throw new Error(`internal error: edit at offset ${start} planned out of document order`);
    }
    this.cols.push(start);
    this.cols.push(end);
    this.cols.push(what);
  }
}

/**
 * Joins many short pieces into one string by way of chunks of about CHUNK characters. One array of
 * all the pieces (tens of thousands for a large domain) is a large object the garbage collector
 * places in fresh memory each time it grows; the pieces of a chunk die young, and the chunks are few.
 */
class TextJoiner {
  private readonly chunks: string[] = [];
  private parts: string[] = [];
  private length = 0;

  add(piece: string): void {
    this.parts.push(piece);
    this.length += piece.length;
    if (this.length >= CHUNK) {
      this.chunks.push(this.parts.join(''));
      this.parts = [];
      this.length = 0;
    }
  }

  join(): string {
    if (this.chunks.length === 0) return this.parts.join('');
    this.chunks.push(this.parts.join(''));
    return this.chunks.join('');
  }
}
/** characters per chunk: well below the size from which V8 places a string among the large objects */
const CHUNK = 32 * 1024;

/** `<address uuid='…'/>` in quote q (made as the output is joined, so it dies with its chunk's pieces) */
export function addressText(uuid: string, q: string): string {
  return `<address uuid=${q}${uuid}${q}/>`;
}
