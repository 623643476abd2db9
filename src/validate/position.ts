// 1-based line and column of an offset; columns count UTF-16 code units, lines end at LF
// (a CR before LF belongs to the line it ends).
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** Offsets where each line starts, for many lookups in one document. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function lineColFrom(starts: number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}

/**
 * lineColFrom for offsets that never decrease (a scan from the start of the text): it moves on
 * from the line of the last offset instead of searching all lines again.
 */
export class LineCursor {
  private readonly starts: number[];
  private line = 0;

  constructor(text: string) {
    this.starts = lineStarts(text);
  }

  at(offset: number): { line: number; col: number } {
    if (offset < this.starts[this.line]!) return lineColFrom(this.starts, offset);
    while (this.line + 1 < this.starts.length && this.starts[this.line + 1]! <= offset) this.line++;
    return { line: this.line + 1, col: offset - this.starts[this.line]! + 1 };
  }
}
