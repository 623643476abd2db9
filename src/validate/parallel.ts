// Many files on more than one core: worker threads take files from the same list as this thread,
// by a shared counter, and send their results back; results are reported in input order and are the
// same as one thread's (the same Validator code on the same bytes). A worker that fails leaves its
// files to this thread.
//
// The workers are started before this thread loads libxml2 (startWorkers, from the command): a
// worker's own start-up (Node's, then this bundle's) is most of what it costs, and so runs on another
// core while this thread compiles libxml2 and restores its schemas, instead of while it validates
// (measured: a worker took its first file ~200 ms into a run of 1,000 files, most of it start-up
// slowed by this thread's work). A worker then waits for a Go message: this thread's compiled libxml2
// module (shared rather than compiled again) once this thread's warm-up has filled the
// compiled-schema cache the worker restores its schemas from.
//
// A worker runs this very module (the file or bundle chunk it is in): evaluated in a worker that
// carries WORKER_MARK, it serves instead of being a library.
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { libxmlInstance, loadLibxml } from '../schemas/libxml.js';
import { fileResult } from './input-result.js';
import { Validator, type FileResult, type ValidateOptions } from './validate.js';

/** below this many files a worker's start-up costs more than it saves */
export const PARALLEL_FROM = 64;
/** threads beside this one, at most */
const MAX_WORKERS = 3;
/** this thread looks at the workers' results after this many files of its own */
const YIELD_EVERY = 16;
const WORKER_MARK = 'virt-mdev validate worker';
/**
 * on a worker's command line: only then does this module look at node:worker_threads when it is
 * evaluated (the CommonJS bundle of plain validate loads that built-in lazily, ~2 ms of a one-file run)
 */
const WORKER_ARG = '--virt-mdev-validate-worker';

export interface ParallelOptions {
  opts: ValidateOptions;
  schemaCache: boolean;
}

interface WorkerInit {
  mark: typeof WORKER_MARK;
  inputs: string[];
  /** Int32 [0]: the next input to take */
  next: SharedArrayBuffer;
}

interface Go extends ParallelOptions {
  /** this thread's compiled libxml2 module, shared rather than compiled again */
  wasm?: { module: WebAssembly.Module; wasmFingerprint: string };
}

type ToWorker = { go: Go } | { stop: true };
type FromWorker = { i: number; r: FileResult } | { done: true };

function cores(): number {
  return (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length;
}

/** Started workers, waiting for their Go. */
export class ValidateWorkers {
  readonly results: Array<FileResult | undefined>;
  readonly counter: Int32Array;
  /** one promise per worker, settled when it has sent all its results or stopped */
  readonly running: Array<Promise<void>> = [];
  private readonly workers: Worker[] = [];

  constructor(private readonly inputs: string[], count: number) {
    this.results = new Array<FileResult | undefined>(inputs.length);
    const init: WorkerInit = { mark: WORKER_MARK, inputs, next: new SharedArrayBuffer(4) };
    this.counter = new Int32Array(init.next);
    for (let n = 0; n < count; n++) {
      let worker: Worker;
      try {
        worker = new Worker(new URL(import.meta.url), { workerData: init, argv: [WORKER_ARG] });
      } catch {
        break;
      }
      // until its Go, a worker does not keep the process alive: a run that fails before (a missing
      // schema, libxml2 that does not load) ends as without workers
      worker.unref();
      this.workers.push(worker);
      this.running.push(new Promise<void>((resolve) => {
        worker.on('message', (m: FromWorker) => {
          if ('done' in m) resolve();
          else this.results[m.i] = m.r;
        });
        worker.on('error', () => resolve());
        worker.on('exit', () => resolve());
      }));
    }
  }

  /** Lets the workers take files, with this thread's compiled module (its warm-up done). */
  go(p: ParallelOptions): void {
    const inst = libxmlInstance();
    const go: Go = { ...p, wasm: inst ? { module: inst.module, wasmFingerprint: inst.wasmFingerprint } : undefined };
    for (const w of this.workers) {
      w.ref();
      w.postMessage({ go } satisfies ToWorker);
    }
  }

  /** The run ends early (an error, or no Go): the workers take no more files and end. */
  stop(): void {
    Atomics.store(this.counter, 0, this.inputs.length);
    for (const w of this.workers) w.postMessage({ stop: true } satisfies ToWorker);
  }
}

/**
 * Workers for a run over these inputs, started now; undefined when it is to run on this thread alone
 * (few files, standard input, one core).
 */
export function startWorkers(inputs: string[]): ValidateWorkers | undefined {
  if (inputs.length < PARALLEL_FROM || inputs.includes('-')) return undefined;
  const count = Math.min(cores() - 1, MAX_WORKERS);
  if (count < 1) return undefined;
  const workers = new ValidateWorkers(inputs, count);
  return workers.running.length > 0 ? workers : undefined;
}

export async function validateInParallel(validator: Validator, inputs: string[], onResult: (r: FileResult) => void,
  workers: ValidateWorkers, p: ParallelOptions): Promise<FileResult[]> {
  const { results, counter, running } = workers;
  workers.go(p);
  let reported = 0;
  const report = (): void => {
    while (reported < inputs.length && results[reported]) onResult(results[reported++]!);
  };
  try {
    for (let done = 1; ; done++) {
      const i = Atomics.add(counter, 0, 1);
      if (i >= inputs.length) break;
      results[i] = fileResult(validator, inputs[i]!);
      report();
      if (done % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(running);
    // what a failed worker took and did not finish
    for (let i = 0; i < inputs.length; i++) results[i] ??= fileResult(validator, inputs[i]!);
    report();
  } catch (e) {
    // the run ends with this error: the process need not wait for the workers
    workers.stop();
    throw e;
  }
  return results as FileResult[];
}

async function serve(init: WorkerInit): Promise<void> {
  const m = await new Promise<ToWorker>((resolve) => parentPort!.once('message', resolve));
  if (!('go' in m)) return;
  const lx = await loadLibxml({ compiled: m.go.wasm });
  const validator = new Validator(lx, m.go.opts);
  validator.warmUp({ cache: m.go.schemaCache });
  const counter = new Int32Array(init.next);
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= init.inputs.length) break;
    parentPort!.postMessage({ i, r: fileResult(validator, init.inputs[i]!) } satisfies FromWorker);
  }
  parentPort!.postMessage({ done: true } satisfies FromWorker);
}

if (process.argv.includes(WORKER_ARG) && !isMainThread && (workerData as Partial<WorkerInit> | undefined)?.mark === WORKER_MARK) {
  void serve(workerData as WorkerInit);
}
