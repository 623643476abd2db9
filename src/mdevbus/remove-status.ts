// The exit-status protocol between bus.remove() and its detached remover (remove-child.ts), which has
// no stdio to answer through: 0 = the write returned, BASE + errno = the write failed with that errno,
// anything else = the remover could not do its job. Both sides use this one module.
import { LINUX_ERRNO, linuxErrnoName } from '../simhost/errno.js';

const REMOVE_EXIT_ERRNO_BASE = 100;

/** The remover's exit status for a failed write (a Node system error). */
export function removeExitStatusOf(e: unknown): number {
  const err = e as NodeJS.ErrnoException;
  const n = typeof err?.errno === 'number' ? Math.abs(err.errno) : err?.code ? LINUX_ERRNO[err.code] : undefined;
  return errnoExitStatus(n);
}

/** The status for a write that failed with errno number n (1 when there is none to name). */
export function errnoExitStatus(n: number | undefined): number {
  return n !== undefined && n > 0 && n < 150 ? REMOVE_EXIT_ERRNO_BASE + n : 1;
}

/** The errno name a remover's exit status reports, or undefined when it reports none. */
export function errnoOfRemoveExit(code: number | null): string | undefined {
  return code !== null && code > REMOVE_EXIT_ERRNO_BASE ? linuxErrnoName(code - REMOVE_EXIT_ERRNO_BASE) : undefined;
}
