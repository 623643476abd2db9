// Errors shaped exactly like the ones Node's fs raises for a failed open(2)/write(2), so code that
// handles a real sysfs write handles the simulated one the same way (and tests can compare them).
import * as os from 'node:os';

/** Linux errno numbers; EUSERS is missing from os.constants.errno (libuv does not know it). */
export const LINUX_ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EBUSY: 16, EEXIST: 17,
  ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, EUSERS: 87,
};

const DESCRIPTION: Record<string, string> = {
  EPERM: 'operation not permitted', ENOENT: 'no such file or directory', EINTR: 'interrupted system call',
  EIO: 'i/o error', EAGAIN: 'resource temporarily unavailable', ENOMEM: 'not enough memory',
  EACCES: 'permission denied', EBUSY: 'resource busy or locked', EEXIST: 'file already exists',
  ENODEV: 'no such device', EINVAL: 'invalid argument', ENOSPC: 'no space left on device',
  ERANGE: 'result too large', EUSERS: 'too many users',
};

export interface SysError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

/** A Node-style system error: message "CODE: description, syscall 'path'", negative errno. */
export function sysError(code: string, syscall: 'open' | 'write', file?: string): SysError {
  const num = LINUX_ERRNO[code] ?? (os.constants.errno as Record<string, number>)[code] ?? 0;
  const msg = `${code}: ${DESCRIPTION[code] ?? 'unknown error'}, ${syscall}${file !== undefined ? ` '${file}'` : ''}`;
  const e = new Error(msg) as SysError;
  e.code = code;
  e.errno = -num;
  e.syscall = syscall;
  if (file !== undefined) e.path = file;
  return e;
}

/** The Linux name of an errno number (either sign), when the table knows it. */
export function linuxErrnoName(errno: number): string | undefined {
  const n = Math.abs(errno);
  return Object.keys(LINUX_ERRNO).find((k) => LINUX_ERRNO[k] === n);
}

/**
 * Give an errno Node could not name its Linux name: a real write that fails with EUSERS (87)
 * surfaces from Node as code 'UNKNOWN', errno -87.
 */
export function normaliseSysError(e: unknown): unknown {
  const err = e as Partial<SysError> | undefined;
  if (!err || typeof err !== 'object' || typeof err.errno !== 'number') return e;
  if (err.code === undefined || err.code === 'UNKNOWN' || /^Unknown system error/.test(err.code)) {
    const name = linuxErrnoName(err.errno);
    if (name) {
      (err as SysError).code = name;
      (err as SysError).message = `${name}: ${DESCRIPTION[name]}, ${err.syscall ?? 'write'}${err.path ? ` '${err.path}'` : ''}`;
    }
  }
  return e;
}
