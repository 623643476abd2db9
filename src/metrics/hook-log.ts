// Hook outcomes counted from the hook log (one JSON line per action, src/hook/log.ts). The log may
// grow large between rotations, so only a bounded window of it is read: from the last multiple of the
// window size at or below the file's size to its end. Counting from a fixed boundary (not "the last N
// bytes") keeps the counts monotonic while the file grows; they restart at 0 when the log is rotated
// or crosses a boundary, which Prometheus treats as an ordinary counter reset.
import * as fs from 'node:fs';
import { errnoCode } from '../util/errors.js';

export const HOOK_LOG_WINDOW_BYTES = 8 * 1024 * 1024;
/** distinct label sets per family; what a damaged or forged log adds beyond that is counted as 'other' */
const MAX_SERIES = 500;

export interface HookLogWindow {
  /** whole lines of the window, without their line feeds */
  lines: string[];
  /** byte offset the window starts at (0 until the log is larger than one window) */
  start: number;
}

function readRange(fd: number, from: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** The counting window of the log at file; undefined when there is no log yet. */
export function readHookLogWindow(file: string, windowBytes = HOOK_LOG_WINDOW_BYTES): HookLogWindow | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.floor(size / windowBytes) * windowBytes;
    // one byte before the window tells whether its first line is whole
    const from = Math.max(0, start - 1);
    let text = readRange(fd, from, size - from).toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const lines = text.split('\n');
    // the last piece has no line feed yet (empty, or a line still being written): not counted
    lines.pop();
    return { lines, start };
  } finally {
    fs.closeSync(fd);
  }
}

export interface HookLogCounts {
  /** how hook calls ended: `${operation}\t${reason}`, reason 'ok' for OP-done */
  outcomes: Map<string, number>;
  /** every other line (what was done to which device): `${operation}\t${action}` */
  actions: Map<string, number>;
  /** lines that are not JSON objects with an action */
  unparsed: number;
  /** ISO time of the first counted line */
  since?: string;
}

/** A log value fit to be a label value; anything else is 'other'. */
function word(v: unknown): string {
  return typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(v) ? v : 'other';
}

function bump(m: Map<string, number>, key: string, otherKey: string): void {
  const k = m.has(key) || m.size < MAX_SERIES ? key : otherKey;
  m.set(k, (m.get(k) ?? 0) + 1);
}

export function countHookLog(lines: readonly string[]): HookLogCounts {
  const c: HookLogCounts = { outcomes: new Map(), actions: new Map(), unparsed: 0 };
  for (const line of lines) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      c.unparsed++;
      continue;
    }
    if (!o || typeof o !== 'object' || typeof o.action !== 'string') {
      c.unparsed++;
      continue;
    }
    if (c.since === undefined && typeof o.time === 'string') c.since = o.time;
    const rawOp = typeof o.op === 'string' && o.op !== '' ? o.op : 'hook';
    const op = word(rawOp);
    if (o.action === `${rawOp}-done`) bump(c.outcomes, `${op}\tok`, 'other\tother');
    else if (o.action === `${rawOp}-failed`) bump(c.outcomes, `${op}\t${word(o.reason ?? 'unknown')}`, 'other\tother');
    else bump(c.actions, `${op}\t${word(o.action)}`, 'other\tother');
  }
  return c;
}
