// What runs on a host must run on Node 18.19 (Debian 12's nodejs 18.20, Ubuntu 24.04's 18.19), while
// the types the code is checked against are Node 20's. tsconfig's lib (ES2022) keeps out newer
// JavaScript built-ins; this keeps out the newer Node APIs and syntax a reader would not notice.
// test/cli/node18.test.ts runs the CLI and the hook on a real Node 18.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';

const NEWER: Array<[RegExp, string]> = [
  [/\bglobSync\b|\bfs(?:p|\.promises)?\.glob\(|\bmatchesGlob\b/, 'fs.glob / path.matchesGlob (Node 22)'],
  [/import\.meta\.(?:dirname|filename)/, 'import.meta.dirname / filename (Node 20.11)'],
  [/\bgetBuiltinModule\b/, 'process.getBuiltinModule (Node 20.16)'],
  [/\bcrypto\.hash\(|\bstyleText\b|\bloadEnvFile\b|\bparseEnv\b/, 'crypto.hash, util.styleText, process.loadEnvFile, util.parseEnv (Node 20.12)'],
  [/\bAbortSignal\.any\b/, 'AbortSignal.any (Node 20.3)'],
  [/\bopenAsBlob\b|\bzlib\.crc32\b/, 'fs.openAsBlob (Node 19.8), zlib.crc32 (Node 20.15)'],
  [/\.(?:toSorted|toReversed|toSpliced)\(|\bisWellFormed\b|\btoWellFormed\b/, 'ES2023 array copies, well-formed strings (Node 20)'],
  [/\b(?:Object|Map)\.groupBy\b|\bPromise\.withResolvers\b|\bArray\.fromAsync\b/, 'groupBy, Promise.withResolvers, Array.fromAsync (Node 21-22)'],
  [/\.(?:union|intersection|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/, 'Set methods (Node 22)'],
  [/\bIterator\.from\b|\bnavigator\.|\bnew WebSocket\b/, 'Iterator helpers, navigator, WebSocket (Node 21-22)'],
  [/\bwith\s*\{\s*type\s*:/, "import attributes 'with' (Node 18.20; 18.19 knows only 'assert')"],
];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

test('src/ uses no JavaScript or Node API newer than Node 18.19', (t) => {
  const found: string[] = [];
  const files = sources(path.join(repoRoot, 'src'));
  t.true(files.length > 50);
  for (const f of files) {
    fs.readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(?:\/\/|\*)/.test(line)) return; // comments may name them
      for (const [re, what] of NEWER) if (re.test(line)) found.push(`${path.relative(repoRoot, f)}:${i + 1}: ${what}`);
    });
  }
  t.deepEqual(found, []);
});

test('the guard sees what it is meant to see', (t) => {
  const hits = (s: string): boolean => NEWER.some(([re]) => re.test(s));
  for (const s of ['fs.globSync("*")', 'const d = import.meta.dirname;', 'xs.toSorted()', "import x from './a.json' with { type: 'json' };", 'Object.groupBy(xs, f)', 'a.union(b)']) t.true(hits(s), s);
  for (const s of ['xs.sort()', 'fileURLToPath(import.meta.url)', 'withLock(root, name, fn)', 'unionOf(a)']) t.false(hits(s), s);
});
