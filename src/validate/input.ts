// Reads one input with a hard size bound: a CI job must not be able to feed us an unbounded file.
import * as fs from 'node:fs';
import { errnoCode } from '../util/errors.js';

export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** `tooBig` is a property of the document (reported as invalid), the rest are I/O errors. */
export type ReadResult = { ok: true; data: Buffer } | { ok: false; tooBig?: boolean; message: string };

export function readBoundedFile(file: string): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    return { ok: false, message: describe(e, file) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { ok: false, message: `${file} is a directory: give XML files` };
    // read at most one byte past the bound, whatever stat says (pipes, /proc files report size 0)
    return readFd(fd, file, st.isFile() ? st.size : 0);
  } catch (e) {
    return { ok: false, message: describe(e, file) };
  } finally {
    fs.closeSync(fd);
  }
}

function readFd(fd: number, name: string, hint: number): ReadResult {
  if (hint > MAX_INPUT_BYTES) return tooBig(name);
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(hint + 1, MAX_INPUT_BYTES + 1)));
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (errnoCode(e) === 'EAGAIN') continue;
      if (errnoCode(e) === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) return tooBig(name);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return { ok: true, data: Buffer.concat(chunks, total) };
}

export async function readBoundedStdin(): Promise<ReadResult> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > MAX_INPUT_BYTES) {
      process.stdin.destroy();
      return tooBig('<stdin>');
    }
    chunks.push(b);
  }
  return { ok: true, data: Buffer.concat(chunks, total) };
}

function tooBig(name: string): ReadResult {
  return { ok: false, tooBig: true, message: `${name} is larger than 16 MiB: virt-mdev reads at most ${MAX_INPUT_BYTES} bytes per document` };
}

function describe(e: unknown, file: string): string {
  switch (errnoCode(e)) {
    case 'ENOENT': return `cannot read ${file}: no such file`;
    case 'EACCES': return `cannot read ${file}: permission denied`;
    case 'EISDIR': return `${file} is a directory: give XML files`;
    default: return `cannot read ${file}: ${(e as Error).message}`;
  }
}
