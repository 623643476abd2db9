// Output written with plain write(2)s on a file descriptor: creating process.stdout or process.stderr
// (a socket for a pipe, a tty stream for a terminal) costs a fifth of a short process's start-up,
// the write itself nothing. Used by the CLI's launcher (stdout) and the hook (stderr).
import * as fs from 'node:fs';
import { errnoCode } from './errors.js';

/**
 * Writes buf to fd, all of it, or as much as a non-blocking descriptor takes before it would block
 * (EAGAIN; the caller hands the rest to the stream, which waits): how many bytes went. Other errors
 * are thrown.
 */
export function writeFdUntilFull(fd: number, buf: Buffer): number {
  let done = 0;
  while (done < buf.length) {
    try {
      done += fs.writeSync(fd, buf, done);
    } catch (e) {
      if (errnoCode(e) === 'EAGAIN') return done;
      throw e;
    }
  }
  return done;
}
