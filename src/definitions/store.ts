// Reading and writing mdevctl's store under the host root. Writers hold the ledger lock (one lock for
// everything virt-mdev changes); mdevctl itself takes no lock and rewrites files in place, so a reader
// retries a file that does not parse before it names it as broken.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHostFile } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { stateWriteError, writeStateFile } from '../util/atomic.js';
import { errnoCode, isVirtMdevError } from '../util/errors.js';
import { checkParentName } from '../util/validate.js';
import { formatDefinitionFile, parseDefinitionFile, uuidOfFileName } from './file-format.js';
import type { MdevDefinition, StoreProblem, StoreSnapshot } from './types.js';

/** a definition is a few hundred bytes; anything past this is not one */
const MAX_DEFINITION_BYTES = 64 * 1024;
const READ_TRIES = 3;
const RETRY_MS = 30;
/** mdevctl refuses to run at all when these are missing ("Required directory … doesn't exist") */
const REQUIRED_DIRS = ['scripts.d/callouts', 'scripts.d/notifiers'];

export function storeDir(root: HostRoot): string {
  return root.p('etc/mdevctl.d');
}

export function definitionPath(root: HostRoot, parent: string, uuid: string): string {
  return path.join(storeDir(root), checkParentName(parent), uuid);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mdevctl writes regular files; a link (followed anywhere), FIFO (would block) or device is not one. */
function readDefinitionBytes(root: HostRoot, file: string): Buffer {
  const r = readHostFile(root, file, MAX_DEFINITION_BYTES, { refuseLinks: true }, 'mdevctl definition');
  if (r.ok) return r.data;
  switch (r.why) {
    case 'absent': throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    case 'too-big': throw new Error(`larger than ${MAX_DEFINITION_BYTES} bytes`);
    default: throw new Error('not a regular file (a link, directory or device)');
  }
}

/** One file, retried while mdevctl may be rewriting it in place. */
function readOne(root: HostRoot, file: string, parent: string, uuid: string): MdevDefinition {
  for (let attempt = 1; ; attempt++) {
    try {
      const parsed = parseDefinitionFile(readDefinitionBytes(root, file), file);
      return { uuid, parent, file, ...parsed };
    } catch (e) {
      if (attempt >= READ_TRIES || errnoCode(e) === 'ENOENT' || (isVirtMdevError(e) && e.reason === 'link-outside-root')) throw e;
      sleepSync(RETRY_MS * attempt);
    }
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return [];
    throw e;
  }
}

function isDirNoFollow(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readParentDir(root: HostRoot, dir: string, parent: string, out: StoreSnapshot): void {
  for (const name of listDir(dir)) {
    const uuid = uuidOfFileName(name);
    if (uuid === undefined) continue; // mdevctl skips these too (our own temporary files among them)
    const file = path.join(dir, name);
    try {
      out.definitions.push(readOne(root, file, parent, uuid));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') continue; // undefined meanwhile
      out.problems.push({ file, uuid, parent, message: isVirtMdevError(e) ? e.message : `mdevctl definition ${file} is unreadable: ${(e as Error).message}` });
    }
  }
}

/** Every definition in the store; unreadable files are named in `problems`, the others still listed. */
export function readStore(root: HostRoot): StoreSnapshot {
  const top = storeDir(root);
  const out: StoreSnapshot = { definitions: [], problems: [] };
  let parents: string[];
  try {
    parents = fs.readdirSync(top).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return out;
    if (errnoCode(e) !== 'ENOTDIR') throw e;
    // the store itself is a file: every persistent device would silently look undefined
    out.problems.push({ file: top, storeWide: true, message: `mdevctl's definition store ${top} is not a directory, so no persistent definition can be read or written: move that file aside (mdevctl and libvirt keep their definitions in this directory)` });
    return out;
  }
  for (const parent of parents) {
    if (parent === 'scripts.d') continue;
    const dir = path.join(top, parent);
    if (!isDirNoFollow(dir)) continue;
    try {
      checkParentName(parent);
    } catch (e) {
      out.problems.push({ file: dir, message: `mdevctl store directory ${dir} is not named like a parent device: ${(e as Error).message}` });
      continue;
    }
    readParentDir(root, dir, parent, out);
  }
  out.definitions.sort((a, b) => cmp(a.parent, b.parent) || cmp(a.uuid, b.uuid) || cmp(a.file, b.file));
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function definitionsOf(snap: StoreSnapshot, uuid: string): MdevDefinition[] {
  return snap.definitions.filter((d) => d.uuid === uuid);
}

/** The directories mdevctl requires, created as its package would (0755). */
export function ensureStoreDirs(root: HostRoot): void {
  for (const rel of REQUIRED_DIRS) fs.mkdirSync(path.join(storeDir(root), rel), { recursive: true, mode: 0o755 });
}

/** Files in a parent's directory that stand for this UUID under another spelling (written by hand). */
function otherSpellings(dir: string, uuid: string, canonical: string): string[] {
  return listDir(dir).filter((n) => n !== canonical && uuidOfFileName(n) === uuid).map((n) => path.join(dir, n));
}

function unlinkQuiet(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Write (or replace) a definition atomically under its canonical name: a temporary file in the same
 * directory whose name is not a UUID (mdevctl skips it), then rename. Copies of the same UUID under
 * other spellings in that directory (upper case, braced: written by hand) are removed, so the store
 * never lists it twice. The caller holds the ledger lock.
 */
export function writeDefinition(root: HostRoot, def: Omit<MdevDefinition, 'file'>): MdevDefinition {
  const file = definitionPath(root, def.parent, def.uuid);
  try {
    ensureStoreDirs(root);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  } catch (e) {
    throw stateWriteError('definition', file, e);
  }
  writeStateFile('definition', file, formatDefinitionFile(def), 0o644);
  for (const other of otherSpellings(path.dirname(file), def.uuid, path.basename(file))) {
    try { unlinkQuiet(other); } catch (e) { throw stateWriteError('definition', other, e); }
  }
  return { ...def, file };
}

/**
 * Remove a definition: its file and any other spelling of the same UUID in that parent's directory
 * (the directory stays, as mdevctl leaves it). False when nothing was there any more.
 */
export function removeDefinition(def: MdevDefinition): boolean {
  let removed = false;
  for (const file of [def.file, ...otherSpellings(path.dirname(def.file), def.uuid, path.basename(def.file))]) {
    try {
      removed = unlinkQuiet(file) || removed;
    } catch (e) {
      throw stateWriteError('definition', file, e);
    }
  }
  return removed;
}
