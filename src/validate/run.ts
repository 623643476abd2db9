// The validate operation over a list of inputs: reads each (bounded), validates with one shared
// Validator, and decides the exit code: 2 if any input could not be read, else 1 if any is invalid.
import { ExitCode, VirtMdevError, type ExitCodeValue } from '../util/errors.js';
import type { LibxmlModule } from '../schemas/libxml.js';
import { readBoundedFile, readBoundedStdin, type ReadResult } from './input.js';
import { resultOf, type HostNotes } from './input-result.js';
import { validateInParallel, type ParallelOptions, type ValidateWorkers } from './parallel.js';
import { Validator, type FileResult, type ValidateOptions } from './validate.js';

export const STDIN_NAME = '<stdin>';

export type { HostNotes };

export interface RunOptions {
  /**
   * false: leave the compiled schemas to the process's exit. Freeing libvirt's domain.rng inside
   * wasm costs tens of milliseconds, a third of a one-file run, for memory the exit frees anyway.
   */
  freeSchemas?: boolean;
  /** use and fill the compiled-schema cache (src/schemas/schema-cache.ts) */
  schemaCache?: boolean;
  /** many files: the workers startWorkers (parallel.ts) started for them, to validate on more than one core */
  workers?: ValidateWorkers;
}

export async function validateInputs(lx: LibxmlModule, inputs: string[], opts: ValidateOptions,
  onResult: (r: FileResult) => void = () => undefined, hostNotes?: HostNotes, o: RunOptions = {}): Promise<{ results: FileResult[]; exitCode: ExitCodeValue }> {
  // workers not given their files (host notes, an error before the first file) are told to end
  const workers = hostNotes ? undefined : o.workers;
  if (workers !== o.workers) o.workers?.stop();
  let validator: Validator | undefined;
  try {
    if (inputs.filter((f) => f === '-').length > 1) {
      throw new VirtMdevError(ExitCode.USAGE, 'stdin-twice', `'-' (standard input) can be given only once`);
    }
    validator = new Validator(lx, opts);
    validator.warmUp({ cache: o.schemaCache });
    return await validateAll(validator, inputs, onResult, hostNotes,
      workers ? { workers, p: { opts, schemaCache: o.schemaCache ?? false } } : undefined);
  } catch (e) {
    workers?.stop();
    throw e;
  } finally {
    if (o.freeSchemas !== false) validator?.dispose();
  }
}

async function validateAll(validator: Validator, inputs: string[], onResult: (r: FileResult) => void,
  hostNotes: HostNotes | undefined, parallel: { workers: ValidateWorkers; p: ParallelOptions } | undefined): Promise<{ results: FileResult[]; exitCode: ExitCodeValue }> {
  let results: FileResult[] = [];
  if (parallel) {
    results = await validateInParallel(validator, inputs, onResult, parallel.workers, parallel.p);
  } else {
    for (const input of inputs) {
      const name = input === '-' ? STDIN_NAME : input;
      const read: ReadResult = input === '-' ? await readBoundedStdin() : readBoundedFile(input);
      const r = resultOf(validator, name, read, hostNotes);
      results.push(r);
      onResult(r);
    }
  }
  const exitCode = results.some((r) => r.status === 'error') ? ExitCode.USAGE
    : results.some((r) => r.status === 'invalid') ? ExitCode.FAILURE : ExitCode.OK;
  return { results, exitCode };
}
