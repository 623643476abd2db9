// The one place that loads libxml2-wasm. It is heavy (a wasm module), so it is imported lazily
// by the commands that validate, never by the hook's hot path.
//
// libxml2-wasm keeps its wasm instance private; the compiled-schema cache (schema-cache.ts) needs its
// linear memory, so the load watches WebAssembly.instantiate for the one instance it creates (or, in
// the CommonJS bundle of plain validate, the synchronous instantiation of ./wasm-sync.ts).
import type * as Libxml from 'libxml2-wasm';
import { fingerprint } from '../util/fingerprint.js';
import { setWasmFlags } from './wasm-flags.js';
import { setWasmSyncInstantiate } from './wasm-sync.js';

export type LibxmlModule = typeof Libxml;

/** What the schema cache needs of libxml2-wasm's wasm instance. */
export interface LibxmlInstance {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  malloc: (size: number) => number;
  free: (ptr: number) => void;
  /** fingerprint of the wasm module's bytes: which libxml2 build lays out the memory */
  wasmFingerprint: string;
  table: WebAssembly.Table;
  /** function-table length after libxml2-wasm's own set-up (its callbacks' table slots) */
  tableLength: number;
  /** a copy of the low memory right after set-up: data, stack and the allocator's state */
  fresh: Uint8Array;
}

/** memory copied at load: libxml2's data, stack and initial heap lie well inside it */
export const FRESH_BYTES = 1024 * 1024;

let loaded: Promise<LibxmlModule> | undefined;
let instance: LibxmlInstance | undefined;

export interface LoadOptions {
  /**
   * Run the wasm on V8's baseline compiler only. A short run (a few files) otherwise starts
   * optimising compiles of libxml2's hot functions in the background that it never profits from, and
   * the process's exit waits for them: on two cores that is most of a one-file run. Takes effect only
   * on the load that compiles the module.
   */
  baselineOnly?: boolean;
  /**
   * The module another thread compiled (a worker of parallel.ts): instantiated instead of compiling
   * libxml2-wasm's bytes again when they are the same, so the threads share V8's compiled code.
   */
  compiled?: { module: WebAssembly.Module; wasmFingerprint: string };
}

export function loadLibxml(o: LoadOptions = {}): Promise<LibxmlModule> {
  if (loaded) return loaded;
  setWasmFlags(o.baselineOnly === true);
  const fingerprintOf = (bytes: Uint8Array | undefined): string | undefined => bytes && fingerprint(bytes);
  const instantiate = WebAssembly.instantiate;
  const watch = async (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    const print = fingerprintOf(ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : source instanceof ArrayBuffer ? new Uint8Array(source) : undefined);
    const r = o.compiled && print === o.compiled.wasmFingerprint
      ? { module: o.compiled.module, instance: await WebAssembly.instantiate(o.compiled.module, imports) }
      : await (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
    if (print) watched(print, r);
    return r;
  };
  WebAssembly.instantiate = watch as typeof WebAssembly.instantiate;
  // the CommonJS bundle's glue (src/schemas/wasm-sync.ts): the same, synchronously
  setWasmSyncInstantiate((bytes, imports) => {
    const print = fingerprint(bytes);
    const module = o.compiled && print === o.compiled.wasmFingerprint ? o.compiled.module : new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const r = { module, instance: new WebAssembly.Instance(module, imports) };
    watched(print, r);
    return r.instance;
  });
  loaded = import('libxml2-wasm').then((lx) => {
    // libxml2-wasm has finished its set-up once its module has evaluated: the memory is fresh now
    if (instance) {
      instance.fresh = new Uint8Array(instance.memory.buffer, 0, Math.min(FRESH_BYTES, instance.memory.buffer.byteLength)).slice();
      instance.tableLength = instance.table.length;
    }
    return lx;
  }).finally(() => {
    if (WebAssembly.instantiate === watch) WebAssembly.instantiate = instantiate;
  });
  return loaded;
}

function watched(wasmFingerprint: string, r: unknown): void {
  const { instance: inst, module } = r as { instance?: WebAssembly.Instance; module?: WebAssembly.Module };
  const e = inst?.exports;
  if (instance || !e || !(module instanceof WebAssembly.Module) || !(e.memory instanceof WebAssembly.Memory) || typeof e.xmlRelaxNGParse !== 'function'
    || typeof e.malloc !== 'function' || typeof e.free !== 'function' || !(e.__indirect_function_table instanceof WebAssembly.Table)) return;
  instance = {
    module,
    table: e.__indirect_function_table,
    memory: e.memory,
    malloc: e.malloc as (size: number) => number,
    free: e.free as (ptr: number) => void,
    wasmFingerprint,
    tableLength: 0,
    fresh: new Uint8Array(0),
  };
}

/** libxml2-wasm's wasm instance, when this process's load saw it being created. */
export function libxmlInstance(): LibxmlInstance | undefined {
  return instance && instance.fresh.length > 0 ? instance : undefined;
}

/**
 * Parse options for every document we hand to libxml2: no entity substitution (NOENT is off), no
 * external DTD or entity loading (NO_XXE, no DTDLOAD), no network (NONET), and libxml2's normal
 * limits (no HUGE: nesting deeper than 256 levels is refused). BIG_LINES keeps line numbers true
 * past 65535. DOCTYPEs are refused before libxml2 sees the text (see src/validate/prolog.ts).
 */
export const SAFE_PARSE_OPTIONS = 2048 /* NONET */ | 8388608 /* NO_XXE */ | 4194304 /* BIG_LINES */;

/**
 * For a document that is only validated, never changed: SAFE_PARSE_OPTIONS and COMPACT, which keeps
 * short text inside its node instead of allocating it apart (a parse ~20% quicker, and fewer
 * allocations for the validation to walk; libxml2 forbids changing such a tree, so never for a
 * schema, which the RelaxNG compiler rewrites). The same verdicts and messages: 12,000 validations
 * of the corpus and of text variations compared.
 */
export const VALIDATED_PARSE_OPTIONS = SAFE_PARSE_OPTIONS | 65536 /* COMPACT */;
