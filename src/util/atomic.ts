// State that must survive a crash is replaced, never edited in place: a reader sees the old file or
// the new one, never half of either. A failed write (ENOSPC, EIO, a read-only file system) leaves
// the old file and nothing else: the temporary file goes on every failure path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode, VirtMdevError, errnoCode, errnoTodo, errnoWords } from './errors.js';
import { inDirMadeOnDemand } from './dir-on-demand.js';
import { firstNonDirectory } from './not-a-directory.js';
import { printable } from './validate.js';

/** room for the random part and '.tmp' within NAME_MAX (255) */
const MAX_BASE_IN_TEMP_NAME = 200;

/**
 * 12 random hex digits. Math.random, not node:crypto: loading crypto costs a hook's start-up more than
 * the whole write, and the name need not be unguessable, only unlikely to be taken: open(O_EXCL)
 * refuses a name that is, and the next try draws another.
 */
function randomPart(): string {
  const hi = Math.floor(Math.random() * 0x1000000);
  const lo = Math.floor(Math.random() * 0x1000000);
  return hi.toString(16).padStart(6, '0') + lo.toString(16).padStart(6, '0');
}

/**
 * A new temporary file next to `file`, named `.NAME.RANDOM.tmp`: never a name another writer (or a
 * crashed earlier try) holds, and never a UUID, so mdevctl skips it in its store.
 */
function openTemp(file: string, mode: number): { fd: number; tmp: string } {
  const base = path.basename(file).slice(0, MAX_BASE_IN_TEMP_NAME);
  const dir = path.dirname(file);
  for (let attempt = 1; ; attempt++) {
    const tmp = path.join(dir, `.${base}.${randomPart()}.tmp`);
    try {
      return { fd: inDirMadeOnDemand(dir, () => fs.openSync(tmp, 'wx', mode)), tmp };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || attempt >= 5) throw e;
    }
  }
}

/**
 * Replace `file` (whatever is at that path: a link is replaced, not followed) with `data`, durably.
 * `durable: false` keeps the all-or-nothing replacement (a killed writer leaves the old file or the
 * new one) but skips the fsyncs: for state that need not outlive the machine, such as the simulated
 * kernel's sysfs, which a real kernel keeps in memory only.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, o: { durable?: boolean } = {}): void {
  const durable = o.durable !== false;
  const dir = path.dirname(file);
  const temp = openTemp(file, mode);
  let fd: number | undefined = temp.fd;
  try {
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
    const f = fd;
    fd = undefined;
    fs.closeSync(f); // some file systems (NFS) report a failed write only here
    fs.renameSync(temp.tmp, file);
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* the write's error is the one to report */ }
    try { fs.unlinkSync(temp.tmp); } catch { /* already gone */ }
    throw e;
  }
  if (!durable) return;
  // the rename itself must reach the disk before we report success
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* some filesystems refuse fsync on directories */ }
}

/** a chain of links longer than this is a loop (the kernel's own limit) */
const MAX_LINK_HOPS = 40;
/** names of an already open descriptor: written to directly, so `>>` keeps appending */
const OPEN_FD_PATH = /^\/(?:dev\/(?:std(out|err)|fd\/(\d+))|proc\/self\/fd\/(\d+))$/;

/** An errno in words: 'EROFS (is on a read-only file system)'; the message of anything else. */
export function writeFailure(e: unknown): string {
  const code = errnoCode(e);
  const words = code && errnoWords(code);
  if (code) return `${code}${words ? ` (${words})` : ''}`;
  return printable(e instanceof Error ? e.message : String(e), 200);
}

/**
 * A state file virt-mdev keeps (ledger, definition, pool) that could not be changed, as one line naming
 * it (never the temporary file) and what to do; the atomic writer left the old file as it was.
 */
export function stateWriteError(what: string, file: string, e: unknown): VirtMdevError {
  if (e instanceof VirtMdevError) return e;
  const culprit = errnoCode(e) === 'ENOTDIR' ? firstNonDirectory(file) : undefined;
  if (culprit !== undefined) {
    return new VirtMdevError(ExitCode.HOST, 'unwritable',
      `cannot write the ${what} '${printable(file, 200)}': ${printable(culprit, 200)} is a file, not a directory (ENOTDIR); nothing was changed: move that file aside, then try again`,
      { cause: e });
  }
  return new VirtMdevError(ExitCode.HOST, 'unwritable',
    `cannot write the ${what} '${printable(file, 200)}': ${writeFailure(e)}; nothing was changed: ${errnoTodo(errnoCode(e) ?? '') ?? 'check the file system'} (in ${printable(path.dirname(file), 200)})`,
    { cause: e });
}

/** writeFileAtomic for a state file: a failure is stateWriteError's one line. */
export function writeStateFile(what: string, file: string, data: string | Uint8Array, mode = 0o644, o: { durable?: boolean } = {}): void {
  try {
    writeFileAtomic(file, data, mode, o);
  } catch (e) {
    throw stateWriteError(what, file, e);
  }
}

function cannotWrite(file: string, why: string, cause?: unknown): VirtMdevError {
  return new VirtMdevError(ExitCode.USAGE, 'unwritable', `cannot write '${printable(file, 200)}': ${why}`, cause === undefined ? {} : { cause });
}

/** Follow symbolic links from `file` to the path they end at, which may not exist yet. */
function followLinks(file: string): string {
  let p = path.resolve(file);
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    let link: string;
    try {
      if (!fs.lstatSync(p).isSymbolicLink()) return p;
      link = fs.readlinkSync(p);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return p; // a dangling link: its target is created
      throw e;
    }
    p = path.resolve(path.dirname(p), link);
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

function writeAllToFd(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length;) {
    try {
      off += fs.writeSync(fd, data, off);
    } catch (e) {
      if (errnoCode(e) !== 'EAGAIN') throw e; // a non-blocking pipe that is full: wait for the reader
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/**
 * Write a command's result to a path an admin named (`transform -o FILE`), as a shell redirection
 * would reach it but without ever leaving half a file: a regular file is replaced atomically, keeping
 * its mode, and through a symbolic link the link's target is replaced, never the link; a character
 * device or FIFO (/dev/null, /dev/tty, a named pipe) is written through; /dev/stdout, /dev/stderr and
 * /dev/fd/N are the open descriptors themselves. A directory, socket or block device is refused.
 * `newMode` is the mode of a file that does not exist yet.
 */
export function writeOutputFile(file: string, data: Uint8Array, newMode: number): void {
  try {
    const fdName = OPEN_FD_PATH.exec(path.resolve(file));
    if (fdName) {
      writeAllToFd(fdName[1] === 'out' ? 1 : fdName[1] === 'err' ? 2 : Number(fdName[2] ?? fdName[3]), data);
      return;
    }
    const target = followLinks(file);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(target);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    if (st === undefined) {
      // a typo in the directory must not become a new directory tree: only state directories are made
      const dir = path.dirname(target);
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw cannotWrite(file, `its directory ${dir} does not exist (or is not a directory): create it first or fix the path`);
    }
    if (st === undefined || st.isFile()) {
      writeFileAtomic(target, data, st ? st.mode & 0o777 : newMode);
    } else if (st.isCharacterDevice() || st.isFIFO()) {
      fs.writeFileSync(target, data);
    } else {
      const what = st.isDirectory() ? 'a directory' : st.isBlockDevice() ? 'a block device' : 'a socket';
      throw cannotWrite(file, `it is ${what}; name a file to write the result to`);
    }
  } catch (e) {
    if (e instanceof VirtMdevError) throw e;
    throw cannotWrite(file, writeFailure(e), e);
  }
}
