// Untrusted input is read with a hard bound: at most max + 1 bytes are ever read, whatever the input
// claims to be (a FIFO, /dev/zero, a file that grows while it is read), so no input can exhaust
// memory. Callers turn the outcome into their own messages; errors are Node's (errno `code`).
import * as fs from 'node:fs';
import { errnoCode } from './errors.js';

export type BoundedRead = { ok: true; data: Buffer } | { ok: false; why: 'directory' | 'too-big' };

const CHUNK = 64 * 1024;
/** the least a read of a regular file starts with */
const SMALL = 4096;

/** Read an open file descriptor to its end, or stop at max + 1 bytes ('too-big'); `st`: its fstat when the caller has it. */
export function readFdBounded(fd: number, max: number, st: fs.Stats = fs.fstatSync(fd)): BoundedRead {
  if (st.isDirectory()) return { ok: false, why: 'directory' };
  if (st.isFile() && st.size > max) return { ok: false, why: 'too-big' };
  // a regular file is read in one go, into a buffer one byte longer than its size (to notice growth;
  // sysfs and procfs files claim 4096 or 0 bytes) and handed out as it is: schema and code caches are
  // megabytes, and a copy costs a few ms each
  const into: Filling = { buf: Buffer.allocUnsafe(Math.min(max + 1, st.isFile() ? Math.max(st.size + 1, SMALL) : CHUNK)), total: 0 };
  let end: ReadEnd;
  while ((end = readFdInto(fd, max, into)) === 'would-block');
  return end === 'too-big' ? { ok: false, why: 'too-big' } : { ok: true, data: fitted(into) };
}

/** the bytes read, in a buffer of their size when the one read into is mostly empty (callers may keep many) */
function fitted(into: Filling): Buffer {
  const data = into.buf.subarray(0, into.total);
  return into.buf.length - into.total > SMALL && into.total < into.buf.length / 2 ? Buffer.from(data) : data;
}

type ReadEnd = 'eof' | 'too-big' | 'would-block';
/** a buffer being filled from its start; it grows (doubling, never past max + 1 bytes) when full */
interface Filling { buf: Buffer; total: number }

/** Reads on until the end, more than max bytes in all, or a read that would block (EAGAIN). */
function readFdInto(fd: number, max: number, into: Filling): ReadEnd {
  for (;;) {
    if (into.total === into.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(max + 1, into.buf.length * 2));
      into.buf.copy(bigger, 0, 0, into.total);
      into.buf = bigger;
    }
    let n: number;
    try {
      n = fs.readSync(fd, into.buf, into.total, into.buf.length - into.total, null);
    } catch (e) {
      if (errnoCode(e) === 'EAGAIN') return 'would-block';
      if (errnoCode(e) === 'EOF') return 'eof';
      throw e;
    }
    if (n === 0) return 'eof';
    into.total += n;
    if (into.total > max) return 'too-big';
  }
}

/**
 * Read stdin with a bound, with plain reads of fd 0 rather than process.stdin: creating that stream
 * loads Node's net and stream modules, a third of a short process's own start-up. A descriptor that
 * is non-blocking (a read gives EAGAIN) is read on as the stream. Read errors are thrown as Node
 * raises them, as the stream would.
 */
export async function readStdinBounded(max: number): Promise<BoundedRead> {
  const into: Filling = { buf: Buffer.allocUnsafe(Math.min(max + 1, CHUNK)), total: 0 };
  const end = readFdInto(0, max, into);
  if (end === 'too-big') return { ok: false, why: 'too-big' };
  const head = into.buf.subarray(0, into.total);
  if (end === 'would-block') {
    const rest = await readStreamBounded(process.stdin, max - into.total);
    if (!rest.ok) return rest;
    return { ok: true, data: Buffer.concat([head, rest.data], into.total + rest.data.length) };
  }
  return { ok: true, data: fitted(into) };
}

/** Open and read a file with a bound; open errors (ENOENT, EACCES, …) are thrown as Node raises them. */
export function readFileBounded(file: string, max: number): BoundedRead {
  const fd = fs.openSync(file, 'r');
  try {
    return readFdBounded(fd, max);
  } finally {
    fs.closeSync(fd);
  }
}

/** Read a stream (stdin) with a bound; the stream is destroyed when it has more than max bytes. */
export async function readStreamBounded(stream: NodeJS.ReadableStream & { destroy?: () => void }, max: number): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.length;
    if (total > max) {
      stream.destroy?.();
      return { ok: false, why: 'too-big' };
    }
    chunks.push(b);
  }
  return { ok: true, data: Buffer.concat(chunks, total) };
}
