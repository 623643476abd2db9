// The bundles in dist/app are what ships and what the installed hook runs, while most tests import
// tsc's dist/src: a bundle that lags the sources must fail here. The build is rebuilt in memory from
// the sources as they are now and must equal dist/app byte for byte, with nothing left over.
import test from 'ava';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bodyFile, buildBundles, CLI_ENTRY, CODE_CACHED_ENTRIES, FAST_ENTRY, LAUNCHER_ENTRY, METAFILE, SINGLE_FILE_ENTRIES, VALIDATE_FAST_ENTRY,
} from '../../scripts/bundles.js';
import { WASM_FILE } from '../../scripts/wasm-beside.js';
import { repoRoot } from '../helpers/cli.js';

const appDir = path.join(repoRoot, 'dist/app');
const built = buildBundles(repoRoot);

function filesUnder(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

const isBuiltin = (p: string): boolean => p.startsWith('node:') || builtinModules.includes(p);

test('dist/app is exactly what the sources build now (run npm run build when this fails)', async (t) => {
  const { files } = await built;
  t.deepEqual(filesUnder(appDir).sort(), files.map((f) => f.path), 'the same files, no stale chunk left');
  for (const f of files) {
    t.true(Buffer.from(f.contents).equals(fs.readFileSync(path.join(appDir, f.path))), `${f.path} is stale: run npm run build`);
  }
  t.truthy(fs.statSync(path.join(appDir, 'virt-mdev.cjs')).mode & 0o100, 'the bin is executable');
  t.truthy(fs.statSync(path.join(appDir, 'virt-mdev.mjs')).mode & 0o100, 'the CLI the units run is executable');
});

test('every bundle is ASCII: V8 then holds its source one byte per character (a non-ASCII comment doubled the hook body to 0.57 MB)', async (t) => {
  const { files } = await built;
  const js = files.filter((f) => /\.[cm]js$/.test(f.path));
  t.true(js.length > 5);
  for (const f of js) {
    const at = Buffer.from(f.contents).findIndex((b) => b > 0x7f);
    t.is(at, -1, `${f.path}: a non-ASCII byte at offset ${at}`);
  }
});

test("the build's metafile is this build's (tests read it to see what a bundle holds)", async (t) => {
  const { metafile } = await built;
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(repoRoot, METAFILE), 'utf8')), JSON.parse(JSON.stringify(metafile)));
});

test('the hook, the remover and the late-types timer are one file each: our sources and saxes inlined, only Node built-ins outside', async (t) => {
  const { metafile } = await built;
  const cached: readonly string[] = CODE_CACHED_ENTRIES;
  // a code-cached entry's main runs its body: both hold only what the entry may
  for (const name of Object.keys(SINGLE_FILE_ENTRIES).flatMap((n) => (cached.includes(n) ? [n, bodyFile(n).replace(/\.cjs$/, '')] : [n]))) {
    const out = metafile.outputs[`dist/app/${name}.cjs`];
    t.truthy(out, name);
    t.deepEqual(out!.imports.filter((i) => !(i.external && isBuiltin(i.path))), [], `${name} imports only Node built-ins`);
    // lazy-builtin:node:…: the getters scripts/bundles.ts puts in for a built-in loaded on first use
    const foreign = Object.keys(out!.inputs).filter((i) => !i.startsWith('src/') && !i.startsWith('lazy-builtin:') && !/node_modules\/(saxes|xmlchars)\//.test(i));
    t.deepEqual(foreign, [], `${name} holds only src/ and saxes`);
  }
});

test('the CLI bundle needs no node_modules: every import outside dist/app is a Node built-in', async (t) => {
  const { metafile } = await built;
  t.truthy(metafile.outputs[`dist/app/${Object.keys(CLI_ENTRY)[0]}.mjs`]);
  const external = Object.entries(metafile.outputs)
    .flatMap(([o, out]) => out.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => `${o} → ${i.path}`));
  t.deepEqual(external, []);
  // beside the bundles, only libxml2-wasm's module, next to the chunk that reads it (scripts/wasm-beside.ts)
  const cjs = [FAST_ENTRY, LAUNCHER_ENTRY, SINGLE_FILE_ENTRIES, VALIDATE_FAST_ENTRY].flatMap((e) => Object.keys(e));
  t.deepEqual(filesUnder(appDir).filter((f) => !f.endsWith('.mjs')).sort(),
    [...cjs.map((n) => `${n}.cjs`), ...CODE_CACHED_ENTRIES.map(bodyFile), `chunks/${WASM_FILE}`].sort());
  t.is(Buffer.from(fs.readFileSync(path.join(appDir, 'chunks', WASM_FILE))).subarray(0, 4).toString('latin1'), '\0asm');
});

test('plain validate is one CommonJS file: libxml2-wasm inside, reading the CLI chunks\' copy of its wasm, no commander', async (t) => {
  const { metafile } = await built;
  const name = `dist/app/${Object.keys(VALIDATE_FAST_ENTRY)[0]}.cjs`;
  t.truthy(metafile.outputs[name]);
  // the CommonJS files that hold libxml2-wasm's glue: this entry's (or the body its main runs)
  const holders = Object.entries(metafile.outputs)
    .filter(([o, x]) => o.endsWith('.cjs') && Object.keys(x.inputs).some((i) => i.endsWith('node_modules/libxml2-wasm/lib/libxml2raw.mjs')));
  t.true(holders.length > 0);
  for (const [file, out] of holders) {
    t.is(path.dirname(file), path.dirname(name), file);
    t.deepEqual(out.imports.filter((i) => !(i.external && isBuiltin(i.path))), [], `${file}: only Node built-ins outside`);
    t.false(Object.keys(out.inputs).some((i) => /node_modules\/commander\//.test(i)), file);
    t.false(fs.readFileSync(path.join(repoRoot, file), 'utf8').includes('import('), `${file}: no import(), it would start the ES module loader`);
  }
  t.true(holders.some(([file]) => fs.readFileSync(path.join(repoRoot, file), 'utf8').includes(`new URL("./chunks/${WASM_FILE}", __virtMdevImportMeta.url)`)),
    `reads dist/app/chunks/${WASM_FILE}`);
});

test('the launcher and the node-device reports are one CommonJS file each: our sources only, no XML library, no commander', async (t) => {
  const { metafile } = await built;
  const cached: readonly string[] = CODE_CACHED_ENTRIES;
  const withBodies = (n: string): string[] => (cached.includes(n) ? [n, bodyFile(n).replace(/\.cjs$/, '')] : [n]);
  for (const name of [...Object.keys(LAUNCHER_ENTRY), ...Object.keys(FAST_ENTRY)].flatMap(withBodies)) {
    const out = metafile.outputs[`dist/app/${name}.cjs`];
    t.truthy(out, name);
    t.deepEqual(out!.imports.filter((i) => !(i.external && isBuiltin(i.path))), [], `${name} imports only Node built-ins`);
    t.deepEqual(Object.keys(out!.inputs).filter((i) => !i.startsWith('src/') && !i.startsWith('lazy-builtin:') && !i.startsWith('<define:')), [], `${name} holds only src/`);
  }
});
