// The compiled-schema cache. Compiling libxml2's RelaxNG form of libvirt's domain.rng costs most of a
// one-file `validate`, and libxml2-wasm cannot save a compiled schema. So a run that compiles its
// schemas saves libxml2's whole memory right after (memory-image.ts), and a later run with the same
// libxml2 build and the same schema files restores it instead of compiling.
//
// A cache file is used only when everything that made it is unchanged: this format, the wasm module's
// bytes, libxml2-wasm's set-up, Node's V8 and architecture, the schema paths, and the content of every
// file compiled (each schema and everything it includes). Its payload carries a fingerprint; a cache file
// that is missing, stale, another user's, truncated or corrupted is ignored and the schemas are
// compiled as without a cache. Saving is best-effort: an unwritable cache directory means no cache.
// Where the cache lives, and which of its files are trusted: src/util/cache-dir.ts.
import * as fs from 'node:fs';
import { cacheDir, pruneCacheFiles, readCacheFile as readTrustedFile, writeCacheFile } from '../util/cache-dir.js';
import { fingerprint, fingerprintKind } from '../util/fingerprint.js';
import type { SchemaSource } from './compile.js';
import type { LibxmlInstance } from './libxml.js';
import { PAGE, captureImage, restoreImage, type MemoryImage } from './memory-image.js';

const FORMAT = 'virt-mdev relaxng memory image 2';
const MAGIC = Buffer.from('VMRNGIMG2\n');
const SUFFIX = '.rngcache';
/** cache files kept per directory: one per set of schema paths in use (libvirt or not, other dirs) */
const KEEP = 8;
/** a header larger than this is not ours */
const MAX_HEADER = 1024 * 1024;

export interface CachedSchema {
  path: string;
  /** libxml2's xmlRelaxNGPtr in the image */
  ptr: number;
  sources: SchemaSource[];
}

interface Header {
  key: Record<string, unknown>;
  schemas: CachedSchema[];
  size: number;
  pages: number[];
  /** of the image's bytes (src/util/fingerprint.ts) */
  fingerprint: string;
}

/**
 * The cache directory (src/util/cache-dir.ts); VIRT_MDEV_SCHEMA_CACHE=off turns this cache off, as
 * VIRT_MDEV_CACHE=off turns off every cache.
 */
export function schemaCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return cacheDir(env, env.VIRT_MDEV_SCHEMA_CACHE === 'off');
}

function keyOf(inst: LibxmlInstance, schemaPaths: string[]): Record<string, unknown> {
  return {
    format: FORMAT,
    // every fingerprint in the file (the wasm's, the image's, each source's) is of this kind
    hash: fingerprintKind(),
    wasm: inst.wasmFingerprint,
    table: inst.tableLength,
    memory: inst.fresh.length,
    v8: process.versions.v8,
    arch: process.arch,
    schemas: [...schemaPaths].sort(),
  };
}

function fileFor(key: Record<string, unknown>): string {
  return `relaxng-${fingerprint(Buffer.from(JSON.stringify(key)))}${SUFFIX}`;
}
/** a cache file bigger than this is not ours (libxml2 images are tens of MiB at most) */
const MAX_FILE = 1024 * 1024 * 1024;

function sourceUnchanged(s: SchemaSource): boolean {
  try {
    return fingerprint(fs.readFileSync(s.path)) === s.fingerprint;
  } catch {
    return false;
  }
}

/** The cache file's header and image, when it is whole and ours; undefined otherwise. */
function readCacheFile(dir: string, name: string): { header: Header; image: MemoryImage } | undefined {
  const buf = readTrustedFile(dir, name, MAX_FILE);
  if (!buf) return undefined;
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const hl = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + hl;
  if (hl > MAX_HEADER || start > buf.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length + 4, start).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  const data = buf.subarray(start);
  if (!wellFormed(header, data.length) || fingerprint(data) !== header.fingerprint) return undefined;
  return { header, image: { size: header.size, pages: header.pages, data } };
}

function wellFormed(h: Header, dataLength: number): boolean {
  if (typeof h !== 'object' || h === null || !Array.isArray(h.pages) || !Array.isArray(h.schemas)) return false;
  if (!Number.isInteger(h.size) || h.size <= 0 || h.size % PAGE !== 0 || dataLength !== h.pages.length * PAGE) return false;
  for (let i = 0; i < h.pages.length; i++) {
    const p = h.pages[i];
    if (!Number.isInteger(p) || p! < 0 || p! >= h.size / PAGE || (i > 0 && p! <= h.pages[i - 1]!)) return false;
  }
  return h.schemas.every((s) => typeof s?.path === 'string' && Number.isInteger(s.ptr) && s.ptr > 0 && s.ptr < h.size
    && Array.isArray(s.sources) && s.sources.every((x) => typeof x?.path === 'string' && typeof x.fingerprint === 'string'));
}

/**
 * Restores the compiled schemas for exactly these schema paths into an untouched libxml2, when a
 * cache file for them is there and still true. undefined (libxml2 untouched) otherwise.
 */
export function loadCachedSchemas(inst: LibxmlInstance, schemaPaths: string[], dir = schemaCacheDir()): CachedSchema[] | undefined {
  if (!dir) return undefined;
  const key = keyOf(inst, schemaPaths);
  const read = readCacheFile(dir, fileFor(key));
  if (!read) return undefined;
  const { header, image } = read;
  if (JSON.stringify(header.key) !== JSON.stringify(key)) return undefined;
  const want = new Set(schemaPaths);
  if (header.schemas.length !== want.size || !header.schemas.every((s) => want.has(s.path))) return undefined;
  // schemas share includes (libvirt's basictypes.rng): each file is read once
  const sources = new Map(header.schemas.flatMap((s) => s.sources).map((x) => [`${x.fingerprint} ${x.path}`, x]));
  if (![...sources.values()].every(sourceUnchanged)) return undefined;
  return restoreImage(inst, image) ? header.schemas : undefined;
}

/**
 * Saves libxml2's memory, holding these compiled schemas, for later runs. Call it between
 * compiling and the first document, with no input provider registered. Never throws.
 */
export function saveCachedSchemas(inst: LibxmlInstance, schemas: CachedSchema[], dir = schemaCacheDir()): boolean {
  if (!dir) return false;
  try {
    const key = keyOf(inst, schemas.map((s) => s.path));
    const image = captureImage(inst);
    const header: Header = { key, schemas, size: image.size, pages: image.pages, fingerprint: fingerprint(image.data) };
    const head = Buffer.from(JSON.stringify(header));
    const hl = Buffer.alloc(4);
    hl.writeUInt32LE(head.length);
    const file = fileFor(key);
    if (!writeCacheFile(dir, file, Buffer.concat([MAGIC, hl, head, image.data]))) return false;
    // schema upgrades leave old files behind
    pruneCacheFiles(dir, 'relaxng-', SUFFIX, KEEP, file);
    return true;
  } catch {
    return false;
  }
}
