// Reads one input with a hard size bound: a CI job must not be able to feed us an unbounded file.
import { readFileBounded, readStreamBounded, type BoundedRead } from '../util/bounded-read.js';
import { errnoCode } from '../util/errors.js';

export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** `tooBig` is a property of the document (reported as invalid), the rest are I/O errors. */
export type ReadResult = { ok: true; data: Buffer } | { ok: false; tooBig?: boolean; message: string };

export function readBoundedFile(file: string): ReadResult {
  try {
    return result(file, readFileBounded(file, MAX_INPUT_BYTES));
  } catch (e) {
    return { ok: false, message: describe(e, file) };
  }
}

export async function readBoundedStdin(): Promise<ReadResult> {
  return result('<stdin>', await readStreamBounded(process.stdin, MAX_INPUT_BYTES));
}

function result(name: string, r: BoundedRead): ReadResult {
  if (r.ok) return r;
  return r.why === 'directory' ? { ok: false, message: `${name} is a directory: give XML files` } : tooBig(name);
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
