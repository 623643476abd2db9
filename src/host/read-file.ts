// Reading a file under the host root the way a damaged or hostile tree demands: never outside the
// root (a link anywhere on the way is resolved and checked on the open file itself, so a swap after
// the check cannot redirect it), never blocking (a FIFO where a file belongs), never unbounded.
// The hook's hot path reads through this: one open, one fstat and the read as before, plus one
// readlink only on a simulated root (on '/' everything is inside).
import * as fs from 'node:fs';
import { readFdBounded } from '../util/bounded-read.js';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
import type { HostRoot } from './root.js';

export type HostFileRead =
  | { ok: true; data: Buffer; /** only with `head`: the file was longer than `max` */ truncated?: boolean }
  /**
   * absent: no such file (or a directory on the way is missing); link: a symbolic link where
   * `refuseLinks` asked for a file; special: a directory, FIFO, socket or device; too-big: past `max`
   */
  | { ok: false; why: 'absent' | 'link' | 'special' | 'too-big' };

export interface HostReadOptions {
  /** the file itself must not be a symbolic link (files virt-mdev writes, which are never links) */
  refuseLinks?: boolean;
  /** read the first `max` bytes of a longer file instead of refusing it */
  head?: boolean;
}

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;

/** The error for a path under the root that resolves outside it. */
export function outsideRootError(root: HostRoot, what: string, file: string, real: string): VirtMdevError {
  return new VirtMdevError(ExitCode.HOST, 'link-outside-root',
    `${what} '${file}' resolves to '${real}', outside the host root ${root.dir}: refusing to follow it; the host tree is damaged`);
}

/** Where an open file really is (symlinks resolved), as the kernel knows it. */
function realPathOf(fd: number, file: string): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return fs.realpathSync.native(file); // no /proc: resolve the name instead
  }
}

/**
 * Read a regular file under the root, at most `max` bytes. Errors other than the outcomes above
 * (EACCES, EIO, …) are thrown as Node raises them; the caller names the file. A path that resolves
 * outside the root throws HOST 'link-outside-root'.
 */
export function readHostFile(root: HostRoot, file: string, max: number, opts: HostReadOptions = {}, what = 'file'): HostFileRead {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | (opts.refuseLinks ? O_NOFOLLOW : 0));
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, why: 'absent' };
    if (code === 'ELOOP' && opts.refuseLinks) return { ok: false, why: 'link' };
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, why: 'special' };
    if (root.dir !== '/') {
      const real = realPathOf(fd, file);
      if (!root.contains(real)) throw outsideRootError(root, what, file, real);
    }
    if (opts.head && st.size > max) {
      const buf = Buffer.alloc(max);
      return { ok: true, data: buf.subarray(0, fs.readSync(fd, buf, 0, max, 0)), truncated: true };
    }
    const r = readFdBounded(fd, max, st);
    return r.ok ? r : { ok: false, why: 'too-big' };
  } finally {
    fs.closeSync(fd);
  }
}
