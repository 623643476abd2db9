// What `npm run build` bundles into dist/app (after tsc): what ships and what the installed hook runs.
// Defined once here, for the build (scripts/build-bundles.ts) and for the test that rebuilds it in
// memory and compares it with dist/app byte for byte (test/build/bundles.test.ts), so a bundle that
// lags the sources fails `npm test`.
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { CJS_WRAPPER } from '../src/util/code-cache.js';
import { libxml2Sync } from './libxml2-sync.js';
import { WASM_FILE, wasmBeside, wasmLoader } from './wasm-beside.js';

export { METAFILE } from './bundle-meta.js';

/** Node 18.19 is the oldest Node a host runs (Debian 12, Ubuntu 24.04) */
const TARGET = 'node18.19';

/** every bundle knows it is one (src/util/package-layout.ts) */
const DEFINE = { VIRT_MDEV_BUNDLE: 'true' };

/**
 * CommonJS dependencies bundled into ES modules call require() for Node built-ins (commander,
 * xpath, xmldom); ES modules have no require, so each output file makes its own.
 */
const REQUIRE_BANNER = "import { createRequire as __virtMdevCreateRequire } from 'node:module';\n"
  + 'const require = __virtMdevCreateRequire(import.meta.url);';

const common = {
  absWorkingDir: undefined as string | undefined,
  bundle: true,
  platform: 'node',
  target: TARGET,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  define: DEFINE,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
} satisfies esbuild.BuildOptions;

/**
 * The processes a host starts, and the CLI's launcher, are CommonJS: Node loads a .cjs main without
 * its ES module loader (a few ms of every call). Their sources are ES modules (strict); the one that
 * reads its own URL (src/util/package-layout.ts) gets it from __filename.
 */
/**
 * import.meta.url of a CommonJS bundle, made only when read (a URL costs ~0.4 ms of a cold start that
 * most runs of the hook and the node-device reports never need)
 */
const CJS_BANNER = "'use strict';\nconst __virtMdevImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };";

/** The processes a host starts: one file each, only Node built-ins left outside (saxes inlined). */
export const SINGLE_FILE_ENTRIES = {
  hook: 'src/hook/main.ts',
  'remove-child': 'src/mdevbus/remove-child.ts',
  'late-types-timer': 'src/simhost/late-types-timer.ts',
} as const;

/** The CLI: split, because libxml2-wasm's top-level await cannot be inlined (such a bundle never settles) */
export const CLI_ENTRY = { 'virt-mdev': 'src/cli/main.ts' } as const;

/**
 * Plain validate command lines (the launcher's other fast path): one CommonJS file with libxml2-wasm
 * inside, its set-up made synchronous (scripts/libxml2-sync.ts), reading the CLI's copy of the wasm.
 */
export const VALIDATE_FAST_ENTRY = { 'validate-fast': 'src/cli/validate-fast.ts' } as const;

/**
 * The bin: a CommonJS launcher (src/cli/launcher.ts) that answers --help and --version without loading
 * the CLI, and runs plain nodedev-list/-dumpxml command lines from a CommonJS file of their own
 * (Node starts CommonJS faster than ES modules; these need no libxml2-wasm).
 */
export const LAUNCHER_ENTRY = { 'virt-mdev': 'src/cli/launcher.ts' } as const;
export const FAST_ENTRY = { 'nodedev-read': 'src/cli/fast-run.ts' } as const;

/**
 * The CommonJS files Node starts most, run from a V8 code cache: `<name>.cjs` is a small main
 * (src/start/cached-main.ts) that compiles the bundle, built as `<name>.body.cjs`, with the cache.
 * The hook, and plain validate (its body holds libxml2-wasm's glue: measured 3.3× → 2.9× `node -e 0`
 * for one file), and the read-only node-device commands (nodedev-read: once node:v8 was no longer
 * loaded for the cache's flags, src/util/node-bindings.ts, the cache saved ~3 ms of a nodedev-list).
 */
export const CODE_CACHED_ENTRIES = ['hook', 'validate-fast', 'nodedev-read'] as const;
/** a cache per hook operation (argv DOMAIN OP …): each calls functions of its own */
const CACHE_BY_ARGV: Record<string, number> = { hook: 3 };
const CACHED_MAIN = 'src/start/cached-main.ts';
export const bodyFile = (name: string): string => `${name}.body.cjs`;

/**
 * Node built-ins the CommonJS files load only when first used: the read-only node-device commands
 * never call them, but the modules they import (the mdev bus's writes, locks) name them, and loading
 * crypto alone costs a fifth of Node's start-up (the hook's prepare and release of managed devices
 * never need it: a fallback lock file, a UUID made up for a hostdev without one do). Each becomes an object of getters, one per export
 * of the built-in as this Node has it, that require it on first access.
 */
const LAZY_BUILTINS = ['node:child_process', 'node:crypto', 'node:fs/promises', 'node:os', 'node:v8', 'node:worker_threads', 'node:zlib'];

const lazyBuiltins: esbuild.Plugin = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (a) => {
      if (!LAZY_BUILTINS.includes(a.path)) return undefined;
      // the getters' own require() is of the built-in itself
      return a.namespace === 'lazy-builtin' ? { path: a.path, external: true } : { path: a.path, namespace: 'lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (a) => {
      const names = Object.keys(await import(a.path) as object).filter((n) => n !== 'default').sort();
      return {
        loader: 'js',
        contents: `const load = () => require(${JSON.stringify(a.path)});\n`
          + `for (const n of ${JSON.stringify(names)}) Object.defineProperty(exports, n, { enumerable: true, get: () => load()[n] });\n`
          + 'Object.defineProperty(exports, "default", { enumerable: true, get: load });\n',
      };
    });
  },
};

export async function bundleOptions(repoRoot: string, wasm: { wasm?: Uint8Array } = {}): Promise<esbuild.BuildOptions[]> {
  const base = { ...common, absWorkingDir: repoRoot, outdir: 'dist/app' };
  const cjs = {
    ...base, format: 'cjs', outExtension: { '.js': '.cjs' }, splitting: false, banner: { js: CJS_BANNER },
    define: { ...DEFINE, 'import.meta.url': '__virtMdevImportMeta.url' },
  } satisfies esbuild.BuildOptions;
  return [
    {
      ...cjs, entryPoints: LAUNCHER_ENTRY, plugins: [lazyBuiltins],
      define: { ...cjs.define, VIRT_MDEV_QUICK_ANSWERS: JSON.stringify(await quickAnswers(repoRoot)) },
    },
    ...withCodeCache({ ...cjs, entryPoints: FAST_ENTRY, plugins: [lazyBuiltins] }),
    ...withCodeCache({
      ...cjs, entryPoints: VALIDATE_FAST_ENTRY, supported: { 'dynamic-import': false },
      plugins: [lazyBuiltins, libxml2Sync(repoRoot, 'dist/app', `dist/app/chunks/${WASM_FILE}`)],
    }),
    // import() of a built-in as require(): a real import() would start the ES module loader after all
    ...withCodeCache({ ...cjs, entryPoints: SINGLE_FILE_ENTRIES, supported: { 'dynamic-import': false }, plugins: [lazyBuiltins] }),
    {
      ...base, entryPoints: CLI_ENTRY, splitting: true, chunkNames: 'chunks/[name]-[hash]',
      banner: { js: REQUIRE_BANNER }, plugins: [wasmBeside(wasm)],
    },
  ];
}

/**
 * The build of `o`, with each entry of CODE_CACHED_ENTRIES built as its body instead, plus one build
 * per such entry of its cached main (same options: the main's own imports are few, its built-ins
 * stay as lazy as the body's).
 */
function withCodeCache(o: esbuild.BuildOptions): esbuild.BuildOptions[] {
  const cached = new Set<string>(CODE_CACHED_ENTRIES);
  const entries = Object.entries(o.entryPoints as Record<string, string>);
  return [
    { ...o, entryPoints: Object.fromEntries(entries.map(([n, src]) => [cached.has(n) ? bodyFile(n).replace(/\.cjs$/, '') : n, src])) },
    ...entries.filter(([n]) => cached.has(n)).map(([n]) => ({
      ...o, entryPoints: { [n]: CACHED_MAIN }, define: { ...o.define, VIRT_MDEV_BODY: JSON.stringify(bodyFile(n)), VIRT_MDEV_CACHE_BY_ARGV: String(CACHE_BY_ARGV[n] ?? -1) },
    })),
  ];
}

/**
 * The same for the built-ins made lazy (LAZY_BUILTINS): each import of one was a fresh copy of its
 * getters (crypto has some eighty), three of crypto in the hook, a fifth of a hook call's young
 * garbage. Their module already answers every export and `default`, so every import takes it as it is.
 */
export function plainLazyNamespaces(js: string): string {
  const lazy = [...js.matchAll(/^var (require_[\w$]+) = __commonJS\(\{\n\s*"lazy-builtin:node:[\w/]+"/gm)].map((m) => m[1]!);
  if (lazy.length === 0) return js;
  return js.replace(/__toESM\((require_[\w$]+)\(\), 1\)/g, (all, req: string) => (lazy.includes(req) ? `${req}()` : all));
}

/**
 * esbuild turns each `import * as fs from 'node:fs'` of a CommonJS bundle into a fresh copy of the
 * module's properties (__toESM), one per importing source file: some 40 copies in the hook, about
 * 3 ms of every call. A built-in's namespace is the module object itself, so those imports take it
 * as it is. Default imports (`import_*` variables, which read `.default`) keep the wrapper.
 */
export function plainBuiltinNamespaces(js: string): string {
  // `var fs = …` at the top, `fs = …` in the lazy initialiser of a module reached by import()
  return js.replace(/^(\s*(?:var )?)(?!import_)([\w$]+ = )__toESM\((require\("node:[\w/]+"\)), 1\);$/gm, '$1$2$3;');
}

/**
 * The output with every non-ASCII character written as a \\u escape. esbuild escapes them in strings,
 * regular expressions and names (charset 'ascii'), but keeps the doc comments of class members as they
 * are, and one arrow there makes V8 hold the whole source as a two-byte string: twice the memory (a
 * young-generation collection in every hook call) and a slower read. In a comment the escape is text.
 */
export function asciiOnly(js: string): string {
  return js.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface BuiltFile {
  /** relative to dist/app */
  path: string;
  contents: Uint8Array;
}

/** Build every bundle in memory; `metafile` merges the builds' metafiles (outputs relative to the repository). */
export async function buildBundles(repoRoot: string): Promise<{ files: BuiltFile[]; metafile: esbuild.Metafile }> {
  const files: BuiltFile[] = [];
  const metafile: esbuild.Metafile = { inputs: {}, outputs: {} };
  const appDir = `${repoRoot}/dist/app/`;
  const wasm: { wasm?: Uint8Array } = {};
  for (const o of await bundleOptions(repoRoot, wasm)) {
    const r = await esbuild.build({ ...o, write: false });
    // libxml2-wasm's module, beside the output file that reads it (scripts/wasm-beside.ts)
    const loader = r.metafile && wasmLoader(r.metafile);
    if (loader && wasm.wasm) files.push({ path: path.join(path.dirname(path.relative('dist/app', loader)), WASM_FILE), contents: wasm.wasm });
    for (const f of r.outputFiles) {
      if (!f.path.startsWith(appDir)) throw new Error(`bundle output outside dist/app: ${f.path}`);
      const js = /\.[cm]js$/.test(f.path) ? asciiOnly(f.text) : undefined;
      const cjs = js !== undefined && f.path.endsWith('.cjs') ? plainLazyNamespaces(plainBuiltinNamespaces(js)) : js;
      const contents = cjs === undefined ? f.contents
        : new TextEncoder().encode(f.path.endsWith('.body.cjs') ? CJS_WRAPPER.head + cjs + CJS_WRAPPER.tail : cjs);
      files.push({ path: f.path.slice(appDir.length), contents });
    }
    Object.assign(metafile.inputs, r.metafile?.inputs);
    Object.assign(metafile.outputs, r.metafile?.outputs);
  }
  // what a cached main runs is its body: the main's output holds the body's sources too
  for (const n of CODE_CACHED_ENTRIES) {
    const main = metafile.outputs[`dist/app/${n}.cjs`];
    const body = metafile.outputs[`dist/app/${bodyFile(n)}`];
    if (main && body) main.inputs = { ...main.inputs, ...body.inputs };
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, metafile };
}

/**
 * What the CLI prints for the command lines its launcher answers alone, asked of commander itself
 * (tsc's build of the program, which `npm run build` makes before the bundles).
 */
async function quickAnswers(repoRoot: string): Promise<Record<string, { out: string; err: string }>> {
  const { buildProgram } = await import(pathToFileURL(path.join(repoRoot, 'dist/src/cli/program.js')).href) as typeof import('../src/cli/program.js');
  const answers: Record<string, { out: string; err: string }> = {};
  for (const argv of [[], ['--help'], ['-h'], ['--version'], ['-V']]) {
    const a = { out: '', err: '' };
    const program = buildProgram().configureOutput({ writeOut: (t) => { a.out += t; }, writeErr: (t) => { a.err += t; } });
    try {
      program.parse(argv, { from: 'user' });
    } catch (e) {
      // main() exits 0 on exactly these; anything else is not an answer the launcher may give
      if (!['commander.helpDisplayed', 'commander.version', 'commander.help'].includes((e as { code?: string }).code ?? '')) throw e;
    }
    answers[argv.join(' ')] = a;
  }
  return answers;
}
