// Byte-preserving edits: each replaces [start, end) of the original text; everything else is copied.
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Apply non-overlapping edits (any order): sorted, then copied in one pass. */
export function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: string[] = [];
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`internal error: overlapping edits at offset ${e.start}`);
    parts.push(text.slice(at, e.start), e.text);
    at = e.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
