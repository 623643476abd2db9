// What the CLI and its launcher write to stdout, and what a failed write does.
import { describeSystemError, errnoCode, ExitCode } from '../util/errors.js';
import { writeFdUntilFull } from '../util/fd-write.js';

/**
 * stdout that cannot be written: a reader gone (`| head`) ends us quietly, as SIGPIPE ends other
 * tools; anything else (ENOSPC on a redirected file, EIO) is one line, never Node's unhandled-error stack.
 */
function stdoutFailed(e: unknown): never {
  if (errnoCode(e) !== 'EPIPE') process.stderr.write(`virt-mdev: cannot write the output: ${describeSystemError(e)}\n`);
  process.exit(ExitCode.FAILURE);
}

let handled = false;

/** stdoutFailed for errors of process.stdout (once, whoever asks first) */
export function onStdoutError(): void {
  if (handled) return;
  handled = true;
  process.stdout.on('error', stdoutFailed);
}

/**
 * A command's output. The launcher's own commands write it straight to file descriptor 1: creating
 * process.stdout (a socket for a pipe, a tty stream for a terminal) costs a fifth of Node's start-up,
 * the write itself nothing. Once process.stdout is in use (the full CLI sets its error handler at
 * start), everything goes through it, so that output never overtakes output queued there; so does
 * the rest of a write that a full non-blocking descriptor refuses (EAGAIN).
 */
export function writeStdout(s: string): void {
  if (handled) {
    process.stdout.write(s);
    return;
  }
  const buf = Buffer.from(s);
  let done: number;
  try {
    done = writeFdUntilFull(1, buf);
  } catch (e) {
    stdoutFailed(e);
  }
  if (done < buf.length) {
    onStdoutError();
    process.stdout.write(buf.subarray(done));
  }
}
