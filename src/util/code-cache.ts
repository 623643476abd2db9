// A V8 code cache for the CommonJS bundles Node starts most (scripts/bundles.ts CODE_CACHED_ENTRIES:
// the hook, plain validate). Node compiles a bundle's source at every start, and each function again the
// first time it is called: a third of a short hook call. V8 can hand that work (the bytecode of every
// function compiled so far) to a later process, which takes it instead of compiling, when its V8,
// V8 flags and source are the same. Node 18 has no cache of its own for user code, so the bundle's
// entry (src/start/cached-main.ts) compiles the real code here, with such a cache.
//
// One cache file per bundle file (path, inode, size, mtime), Node, V8, architecture and Node/V8
// options, in the user's cache directory, trusted only as src/util/cache-dir.ts says. It is written
// after a run that had none, or whose cache V8 turned down. Any problem (no directory, unwritable,
// damaged, stale, another user's) means compiling as without a cache: never an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cacheDir, pruneCacheFiles, readCacheFile, writeCacheFile } from './cache-dir.js';
import { setV8Flags } from './node-bindings.js';

const MAGIC = 'virt-mdev V8 code cache 1\n';
const PREFIX = 'code-';
const SUFFIX = '.v8cache';
/** cache files kept per bundle: one per installation, build (checkouts, upgrades) and variant */
const KEEP = 16;
/** a cache file bigger than this is not ours */
const MAX_FILE = 64 * 1024 * 1024;
/**
 * Node's CommonJS wrapper, which the build puts around a body (on its first line: line numbers stay
 * the bundle's): wrapping it here would hold the source twice, +0.7 MiB of a hook's peak memory.
 */
export const CJS_WRAPPER = { head: '(function (exports, require, module, __filename, __dirname) { ', tail: '\n})' } as const;

/**
 * Runs the CommonJS code in `body` (`<name>.body.cjs`, in CJS_WRAPPER) as Node would run it as `mod` (require,
 * __filename and __dirname are the entry's), compiled with a code cache. `variant`: a cache file of
 * its own for each (the hook's operations call different functions; a cache holds those its first
 * run compiled).
 */
export function runWithCodeCache(body: string, mod: NodeModule, req: NodeRequire, variant = ''): void {
  const fd = fs.openSync(body, 'r');
  let source: string;
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const dir = cacheDir();
  const key = JSON.stringify([process.version, process.versions.v8, process.arch, process.execArgv, process.env.NODE_OPTIONS ?? '',
    body, st.dev, st.ino, st.size, st.mtimeMs, variant]);
  const prefix = `${PREFIX}${path.basename(body).replace(/(?:\.body)?\.cjs$/, '')}-`;
  const name = `${prefix}${variant && `${variant}-`}${hash32(key)}${SUFFIX}`;
  const cached = dir === undefined ? undefined : cachedData(dir, name, key);
  const script = withChecksums(() => new vm.Script(source, { filename: body, cachedData: cached }));
  if (dir !== undefined && (cached === undefined || script.cachedDataRejected === true)) {
    // at exit: the cache then holds every function this run compiled, not only the top level
    process.once('exit', () => save(dir, prefix, name, key, script));
  }
  const run = script.runInThisContext() as (...a: unknown[]) => void;
  run.call(mod.exports, mod.exports, req, mod, mod.filename, path.dirname(mod.filename));
}

/**
 * V8 checks the checksum of a code cache only when this flag is on: unchecked, a damaged file would
 * crash the process while V8 reads it. Off again afterwards, so that the flags (whose hash every code
 * cache carries, Node's own for its built-ins too) are those the process started with.
 */
function withChecksums<T>(f: () => T): T {
  setV8Flags('--verify-snapshot-checksum');
  try {
    return f();
  } finally {
    setV8Flags('--no-verify-snapshot-checksum');
  }
}

const headerOf = (key: string): Buffer => Buffer.from(`${MAGIC}${key}\n`);

/** the V8 data of the cache file for exactly this key, if there is a trusted one */
function cachedData(dir: string, name: string, key: string): Buffer | undefined {
  const buf = readCacheFile(dir, name, MAX_FILE);
  const header = headerOf(key);
  if (!buf || buf.length <= header.length || !buf.subarray(0, header.length).equals(header)) return undefined;
  return buf.subarray(header.length);
}

function save(dir: string, prefix: string, name: string, key: string, script: vm.Script): void {
  try {
    const data = withChecksums(() => script.createCachedData());
    if (writeCacheFile(dir, name, Buffer.concat([headerOf(key), data]))) pruneCacheFiles(dir, prefix, SUFFIX, KEEP, name);
  } catch {
    // no cache this time
  }
}

/** FNV-1a of a short string, for a file name (the key itself is checked in the file) */
function hash32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
