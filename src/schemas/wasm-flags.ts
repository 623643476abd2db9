// The V8 flags libxml2's wasm runs under (./libxml.ts loads it). V8 flags are the process's, and a V8
// code cache carries a hash of the flags it was made with (V8 turns it down under others; Node 18 and
// 20 hash only the flags the process started with, but nothing promises that): a process that
// compiles its code from such a cache sets these before that compile (the launcher, for
// ../cli/validate-fast.ts), so that every such compile sees the same flags, and loadLibxml's own
// setting then changes nothing.
// through V8's binding, not node:v8: that loads Node's stream modules, ~2 ms of a one-file validate
import { setV8Flags } from '../util/node-bindings.js';

/**
 * Up to this many files, libxml2's wasm stays on V8's baseline compiler: optimising it pays off only
 * over many documents (measured: see LoadOptions.baselineOnly in ./libxml.ts).
 */
export const BASELINE_ONLY_UP_TO = 50;

export function setWasmFlags(baselineOnly: boolean): void {
  if (!baselineOnly) return;
  setV8Flags('--liftoff-only');
  // V8 validates a wasm function when it first compiles it rather than all of libxml2's up front (most
  // of the module's compile, measured 10 → 3 ms): a short run calls a small part of libxml2
  setV8Flags('--wasm-lazy-validation');
}
