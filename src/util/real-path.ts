// Resolving a path's links the cheap way. realpath(3) reads every component of the path as a link
// (one readlink(2) each, a dozen and more for a sysfs path under a simulated root); the kernel
// already knows where an open directory is: open, one readlink of /proc/self/fd/N, close.
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NONBLOCK;

/**
 * fs.realpathSync.native(abs), with the same answers and errors, in three system calls when abs
 * names a directory (through links or not); anything else (a file, no /proc, an unreadable
 * directory) takes realpath itself.
 */
export function realPath(abs: string): string {
  let fd: number;
  try {
    fd = fs.openSync(abs, DIR_FLAGS);
  } catch {
    return fs.realpathSync.native(abs);
  }
  let real: string | undefined;
  try {
    real = fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch { /* no /proc */ } finally {
    fs.closeSync(fd);
  }
  // a directory removed meanwhile reads '… (deleted)': realpath gives the errno for it
  return real !== undefined && path.isAbsolute(real) && !real.endsWith(' (deleted)') ? real : fs.realpathSync.native(abs);
}
