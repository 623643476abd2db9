// libxml2-wasm ships its wasm module as a ~1 MB string literal in libxml2raw.mjs, which every validate
// run had to parse and then decode byte by byte (~20 ms of a one-file run). The CLI bundle carries the
// module as a file beside the chunk that loads it instead, read with one readFileSync.
import type * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

export const WASM_FILE = 'libxml2.wasm';
const SOURCE = /node_modules\/libxml2-wasm\/lib\/libxml2raw\.mjs$/;
/** where libxml2raw.mjs assigns its module's bytes: `pa??=ea('…')` (ea: one byte per character) */
const ASSIGNMENT = /([\w$]+)\?\?=([\w$]+)\('/;

/** the end (index of the closing quote) of a single-quoted JS string literal starting at `open` */
function literalEnd(js: string, open: number): number {
  for (let i = open + 1; i < js.length; i++) {
    if (js[i] === '\\') i++;
    else if (js[i] === "'") return i;
  }
  throw new Error('libxml2raw.mjs: unterminated wasm literal');
}

/** The module's bytes out of libxml2raw.mjs, and the source that reads them from `from` (a URL relative to the output file) instead. */
export function splitWasm(js: string, from = `./${WASM_FILE}`): { js: string; wasm: Uint8Array } {
  const m = ASSIGNMENT.exec(js);
  if (!m) throw new Error("libxml2raw.mjs: no wasm literal found (libxml2-wasm changed how it embeds its module): update scripts/wasm-beside.ts");
  const open = m.index + m[0].length - 1;
  const close = literalEnd(js, open);
  if (js[close + 1] !== ')') throw new Error('libxml2raw.mjs: the wasm literal is not a lone argument');
  // a string literal of a pinned dependency, evaluated at build time only
  const text = vm.runInNewContext(js.slice(open, close + 1)) as string;
  const wasm = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error('libxml2raw.mjs: the wasm literal is not one byte per character');
    wasm[i] = c;
  }
  if (wasm[0] !== 0 || String.fromCharCode(...wasm.subarray(1, 4)) !== 'asm') throw new Error('libxml2raw.mjs: the literal is not a wasm module');
  // libxml2raw.mjs has `fs` (node:fs) in scope on Node, the only platform virt-mdev runs on
  const read = `${m[1]}??=fs.readFileSync(new URL(${JSON.stringify(from)},import.meta.url))`;
  return { js: js.slice(0, m.index) + read + js.slice(close + 2), wasm };
}

/** The plugin; `wasm` receives the module's bytes, to be written beside the output file that holds libxml2raw.mjs. */
export function wasmBeside(out: { wasm?: Uint8Array }): esbuild.Plugin {
  return {
    name: 'wasm-beside',
    setup(build) {
      build.onLoad({ filter: SOURCE }, (a) => {
        const split = splitWasm(fs.readFileSync(a.path, 'utf8'));
        out.wasm = split.wasm;
        return { contents: split.js, loader: 'js', resolveDir: path.dirname(a.path) };
      });
    },
  };
}

/** the output file (relative to the repository) whose code came from libxml2raw.mjs */
export function wasmLoader(metafile: esbuild.Metafile): string | undefined {
  return Object.entries(metafile.outputs).find(([, o]) => Object.keys(o.inputs).some((i) => SOURCE.test(i)))?.[0];
}
