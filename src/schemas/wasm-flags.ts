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
  // V8 compiles and validates a wasm function when it is first called rather than all of libxml2's
  // up front: a short run calls a small part of libxml2. Lazy compilation is V8's default from Node
  // 20 on (there lazy validation took the module's compile from 10 to 3 ms); Node 18's V8 compiles
  // every function eagerly without it, and validates lazily only what it compiles lazily (measured
  // on Debian's Node 18: the module's compile 23 -> 3 ms, a one-file validate's CPU 231 -> 206 ms)
  setV8Flags('--wasm-lazy-compilation');
  setV8Flags('--wasm-lazy-validation');
}
