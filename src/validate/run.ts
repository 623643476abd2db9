// The validate operation over a list of inputs: reads each (bounded), validates with one shared
// Validator, and decides the exit code: 2 if any input could not be read, else 1 if any is invalid.
import { ExitCode, VirtMdevError, type ExitCodeValue } from '../util/errors.js';
import type { LibxmlModule } from '../schemas/libxml.js';
import { readBoundedFile, readBoundedStdin, type ReadResult } from './input.js';
import { Validator, type FileResult, type ValidateOptions } from './validate.js';

export const STDIN_NAME = '<stdin>';

/** Notes about a document against a host (validate with a host root); never changes the verdict. */
export type HostNotes = (file: string, data: Buffer) => string[];

export interface RunOptions {
  /**
   * false: leave the compiled schemas to the process's exit. Freeing libvirt's domain.rng inside
   * wasm costs tens of milliseconds, a third of a one-file run, for memory the exit frees anyway.
   */
  freeSchemas?: boolean;
  /** use and fill the compiled-schema cache (src/schemas/schema-cache.ts) */
  schemaCache?: boolean;
}

export async function validateInputs(lx: LibxmlModule, inputs: string[], opts: ValidateOptions,
  onResult: (r: FileResult) => void = () => undefined, hostNotes?: HostNotes, o: RunOptions = {}): Promise<{ results: FileResult[]; exitCode: ExitCodeValue }> {
  if (inputs.filter((f) => f === '-').length > 1) {
    throw new VirtMdevError(ExitCode.USAGE, 'stdin-twice', `'-' (standard input) can be given only once`);
  }
  const validator = new Validator(lx, opts);
  try {
    validator.warmUp({ cache: o.schemaCache });
    return await validateAll(validator, inputs, onResult, hostNotes);
  } finally {
    if (o.freeSchemas !== false) validator.dispose();
  }
}

async function validateAll(validator: Validator, inputs: string[], onResult: (r: FileResult) => void,
  hostNotes: HostNotes | undefined): Promise<{ results: FileResult[]; exitCode: ExitCodeValue }> {
  const results: FileResult[] = [];
  for (const input of inputs) {
    const name = input === '-' ? STDIN_NAME : input;
    const read: ReadResult = input === '-' ? await readBoundedStdin() : readBoundedFile(input);
    let r: FileResult;
    if (read.ok) {
      r = validator.validate(name, read.data);
      if (hostNotes && r.status !== 'error') r.notes.push(...hostNotes(name, read.data));
    } else if (read.tooBig) {
      r = { file: name, status: 'invalid', findings: [{ line: 1, col: 1, source: 'xml', message: read.message }], notes: [], schemas: [], libvirt: 'not-run', ms: 0 };
    } else {
      r = { file: name, status: 'error', findings: [], notes: [], schemas: [], libvirt: 'not-run', ioError: read.message, ms: 0 };
    }
    results.push(r);
    onResult(r);
  }
  const exitCode = results.some((r) => r.status === 'error') ? ExitCode.USAGE
    : results.some((r) => r.status === 'invalid') ? ExitCode.FAILURE : ExitCode.OK;
  return { results, exitCode };
}
