// One error type for the whole tool: every failure a person can act on carries an exit code
// from this table, so scripts and libvirt logs can tell the cases apart without parsing text.
import { firstNonDirectory } from './not-a-directory.js';

export const ExitCode = {
  OK: 0,
  /** operation failed, document invalid, or `--check` found work to do */
  FAILURE: 1,
  /** bad command line, unreadable input file, other I/O trouble with our own inputs */
  USAGE: 2,
  /** malformed XML, DOCTYPE/entities, oversized input */
  BAD_XML: 3,
  /** a UUID, type id, parent name or other value that fails validation */
  BAD_VALUE: 4,
  /** parent, type or device does not exist */
  NOT_FOUND: 5,
  /** the UUID is already in use */
  EXISTS: 6,
  /** no capacity left (ENOSPC/EUSERS or a policy that found no parent) */
  NO_CAPACITY: 7,
  /** the host root is missing or is not usable (no sysfs, no mdev bus, permissions) */
  HOST: 8,
  /** a lock or a blocking kernel write did not finish in time */
  TIMEOUT: 9,
  /** the kernel or vendor driver refused (EINVAL from probe, ENODEV, device_api mismatch) */
  REFUSED: 10,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class VirtMdevError extends Error {
  readonly exitCode: ExitCodeValue;
  /** machine-readable reason, stable across releases (used in --json output and logs) */
  readonly reason: string;
  /** optional extra lines (e.g. what each parent still offers); the first line stays the message */
  readonly details: string[];
  constructor(exitCode: ExitCodeValue, reason: string, message: string, opts: { cause?: unknown; details?: string[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VirtMdevError';
    this.exitCode = exitCode;
    this.reason = reason;
    this.details = opts.details ?? [];
  }
}

export function isVirtMdevError(e: unknown): e is VirtMdevError {
  return e instanceof VirtMdevError;
}

/** errno code of a Node system error, or undefined */
export function errnoCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

// what a bare errno means for the person at the terminal (words), and what to do about it (todo);
// one table for every message that names an errno
const ERRNO_TEXT: Record<string, { words: string; todo: string }> = {
  ENOENT: { words: 'does not exist', todo: 'create it or fix the path' },
  ENOTDIR: { words: 'a part of the path is not a directory', todo: 'fix the path or move that file aside' },
  EISDIR: { words: 'is a directory where a file belongs', todo: 'name a file, or move the directory aside' },
  EROFS: { words: 'is on a read-only file system', todo: 'remount it read-write or choose another path' },
  ENOSPC: { words: 'no space left on the file system', todo: 'free some space and try again' },
  EDQUOT: { words: 'disk quota exceeded', todo: 'free some space and try again' },
  EACCES: { words: 'permission denied', todo: 'run as root or fix the permissions' },
  EPERM: { words: 'operation not permitted', todo: 'run as root or fix the permissions' },
  EEXIST: { words: 'already exists', todo: 'move it aside' },
  ELOOP: { words: 'too many levels of symbolic links', todo: 'fix the link' },
  ENAMETOOLONG: { words: 'the name is too long', todo: 'use a shorter path' },
  EPIPE: { words: 'the reader went away (broken pipe)', todo: '' },
  EIO: { words: 'input/output error', todo: 'check the disk (dmesg)' },
  EMFILE: { words: 'too many open files', todo: 'raise the limit (ulimit -n)' },
  ENFILE: { words: 'too many open files on the system', todo: 'try again later' },
};

/** an errno in words ('no space left on the file system'), if the table knows it */
export function errnoWords(code: string): string | undefined {
  return ERRNO_TEXT[code]?.words;
}

/** what to do about an errno ('free some space and try again'), if the table knows it */
export function errnoTodo(code: string): string | undefined {
  return ERRNO_TEXT[code]?.todo || undefined;
}


/**
 * One line for a Node system error: the path it concerns (when Node knows it), what the errno
 * means and what to do, and the errno itself for searching: never the bare "ENOTDIR: not a directory".
 */
export function describeSystemError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { dest?: string };
  const code = errnoCode(e);
  const where = typeof err?.path === 'string' ? `${err.path}${typeof err.dest === 'string' ? ` -> ${err.dest}` : ''}: ` : '';
  const culprit = code === 'ENOTDIR' && typeof err?.path === 'string' ? firstNonDirectory(err.path) : undefined;
  if (culprit !== undefined) return `${where}${culprit === err.path ? 'it' : culprit} is a file, not a directory: move ${culprit === err.path ? 'it' : 'that file'} aside or fix the path (${code}${err.syscall ? ` in ${err.syscall}` : ''})`;
  const text = code === undefined ? undefined : ERRNO_TEXT[code];
  const advice = text && (text.todo ? `${text.words}: ${text.todo}` : text.words);
  const raw = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  if (advice === undefined) return `${where}${raw}`;
  return `${where}${advice} (${code}${err.syscall ? ` in ${err.syscall}` : ''})`;
}
