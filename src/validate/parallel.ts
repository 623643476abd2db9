// Many files on more than one core: worker threads take files from the same list as this thread,
// by a shared counter, and send their results back; results are reported in input order and are the
// same as one thread's (the same Validator code on the same bytes). A worker that fails leaves its
// files to this thread. The workers restore their schemas from the compiled-schema cache this
// thread's warm-up has just filled, so starting one costs little next to the files it takes over.
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

interface WorkerInit extends ParallelOptions {
  mark: typeof WORKER_MARK;
  /** this thread's compiled libxml2 module, shared rather than compiled again */
  wasm?: { module: WebAssembly.Module; wasmFingerprint: string };
  inputs: string[];
  /** Int32 [0]: the next input to take */
  next: SharedArrayBuffer;
}

type FromWorker = { i: number; r: FileResult } | { done: true };

function cores(): number {
  return (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length;
}

export async function validateInParallel(validator: Validator, inputs: string[], onResult: (r: FileResult) => void,
  p: ParallelOptions): Promise<FileResult[]> {
  const results: Array<FileResult | undefined> = new Array<FileResult | undefined>(inputs.length);
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const inst = libxmlInstance();
  const wasm = inst ? { module: inst.module, wasmFingerprint: inst.wasmFingerprint } : undefined;
  const running = startWorkers(Math.min(cores() - 1, MAX_WORKERS), { ...p, mark: WORKER_MARK, inputs, next, wasm }, results);
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
      if (done % YIELD_EVERY === 0 && running.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(running);
    // what a failed worker took and did not finish
    for (let i = 0; i < inputs.length; i++) results[i] ??= fileResult(validator, inputs[i]!);
    report();
  } catch (e) {
    // the run ends with this error: the workers take no more files, so the process need not wait for them
    Atomics.store(counter, 0, inputs.length);
    throw e;
  }
  return results as FileResult[];
}

/** One promise per started worker, settled when it has sent all its results or stopped. */
function startWorkers(count: number, init: WorkerInit, results: Array<FileResult | undefined>): Array<Promise<void>> {
  const running: Array<Promise<void>> = [];
  for (let n = 0; n < count; n++) {
    let worker: Worker;
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: init, argv: [WORKER_ARG] });
    } catch {
      break;
    }
    running.push(new Promise<void>((resolve) => {
      worker.on('message', (m: FromWorker) => {
        if ('done' in m) resolve();
        else results[m.i] = m.r;
      });
      worker.on('error', () => resolve());
      worker.on('exit', () => resolve());
    }));
  }
  return running;
}

async function serve(init: WorkerInit): Promise<void> {
  const lx = await loadLibxml({ compiled: init.wasm });
  const validator = new Validator(lx, init.opts);
  validator.warmUp({ cache: init.schemaCache });
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
