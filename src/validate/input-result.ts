// One input's result, the same wherever it is validated (this thread or a worker, see parallel.ts).
import { readBoundedFile, type ReadResult } from './input.js';
import type { FileResult, Validator } from './validate.js';

/** Notes about a document against a host (validate with a host root); never changes the verdict. */
export type HostNotes = (file: string, data: Buffer) => string[];

export function resultOf(validator: Validator, name: string, read: ReadResult, hostNotes?: HostNotes): FileResult {
  if (read.ok) {
    const r = validator.validate(name, read.data);
    if (hostNotes && r.status !== 'error') r.notes.push(...hostNotes(name, read.data));
    return r;
  }
  if (read.tooBig) {
    return { file: name, status: 'invalid', findings: [{ line: 1, col: 1, source: 'xml', message: read.message }], notes: [], schemas: [], libvirt: 'not-run', ms: 0 };
  }
  return { file: name, status: 'error', findings: [], notes: [], schemas: [], libvirt: 'not-run', ioError: read.message, ms: 0 };
}

/** A file named on the command line (not standard input). */
export function fileResult(validator: Validator, file: string): FileResult {
  return resultOf(validator, file, readBoundedFile(file));
}
