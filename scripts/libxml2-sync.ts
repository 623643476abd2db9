// libxml2-wasm sets itself up behind a top-level await (its Emscripten glue compiles the wasm module
// with WebAssembly.instantiate), so only an ES module can load it, and Node's ES module loader costs
// a one-file `validate` about a tenth of its time. The plain validate command lines run from a
// CommonJS bundle instead (scripts/bundles.ts, VALIDATE_FAST_ENTRY), built with this plugin: the glue
// compiles and instantiates the module synchronously, through src/schemas/wasm-sync.ts, and
// libxml2-wasm's set-up no longer awaits. Each rewrite must match exactly once, or the build fails.
import type * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { splitWasm } from './wasm-beside.js';

const GLUE = /node_modules\/libxml2-wasm\/lib\/libxml2raw\.mjs$/;
const SETUP = /node_modules\/libxml2-wasm\/lib\/libxml2\.mjs$/;
const HOOK = 'src/schemas/wasm-sync.ts';
const HOOK_NAME = '__virtMdevInstantiateWasmSync';

function replaceOnce(js: string, from: string, to: string, file: string): string {
  const at = js.indexOf(from);
  if (at < 0 || js.indexOf(from, at + 1) >= 0) {
    throw new Error(`${file}: expected exactly one ${JSON.stringify(from)} (libxml2-wasm changed its glue): update scripts/libxml2-sync.ts`);
  }
  return js.slice(0, at) + to + js.slice(at + from.length);
}

/** The Emscripten glue (wasm already split out by splitWasm), made synchronous. */
export function syncGlue(js: string): string {
  const f = 'libxml2raw.mjs';
  let out = replaceOnce(js, 'async function Module(', 'function Module(', f);
  // a CommonJS bundle has require already (and a real import() would start the ES module loader)
  out = replaceOnce(out, 'const {createRequire:a}=await ((m)=>import(m))("node:module");var require=a(import.meta.url)', '', f);
  out = replaceOnce(out, 'tb=await (async function(){', 'tb=(function(){', f);
  out = replaceOnce(out, 'return a((await sa(c)).instance)}());', `return a(${HOOK_NAME}(pa,c))}());`, f);
  // an await left in Module is a syntax error now, and esbuild refuses a top-level one in CommonJS:
  // the build fails rather than bundling a glue that still awaits (its unused async helpers may)
  return out;
}

/** libxml2-wasm's set-up module, without its top-level await (the glue now returns the module itself). */
export function syncSetup(js: string): string {
  return replaceOnce(js, 'const libxml2 = await moduleLoader();', 'const libxml2 = moduleLoader();', 'libxml2.mjs');
}

/**
 * The plugin, for a bundle in `outDir` (relative to the repository) that reads libxml2's module from
 * `wasmFile` (relative to the repository too: the ES-module build's copy, dist/app/chunks).
 */
export function libxml2Sync(repoRoot: string, outDir: string, wasmFile: string): esbuild.Plugin {
  const hook = path.join(repoRoot, HOOK);
  const wasmFromOut = './' + path.relative(path.join(repoRoot, outDir), path.join(repoRoot, wasmFile));
  return {
    name: 'libxml2-sync',
    setup(build) {
      build.onLoad({ filter: GLUE }, (a) => {
        const split = splitWasm(fs.readFileSync(a.path, 'utf8'), wasmFromOut);
        const contents = `import { instantiateWasmSync as ${HOOK_NAME} } from ${JSON.stringify(hook)};\n` + syncGlue(split.js);
        return { contents, loader: 'js', resolveDir: path.dirname(a.path) };
      });
      build.onLoad({ filter: SETUP }, (a) => ({ contents: syncSetup(fs.readFileSync(a.path, 'utf8')), loader: 'js', resolveDir: path.dirname(a.path) }));
    },
  };
}
