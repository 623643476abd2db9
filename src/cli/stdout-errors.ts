// What a failed write to stdout does, for the CLI and its launcher alike.
import { describeSystemError, errnoCode, ExitCode } from '../util/errors.js';

/**
 * stdout that cannot be written: a reader gone (`| head`) ends us quietly, as SIGPIPE ends other
 * tools; anything else (ENOSPC on a redirected file, EIO) is one line, never Node's unhandled-error stack.
 */
export function onStdoutError(): void {
  process.stdout.on('error', (e) => {
    if (errnoCode(e) !== 'EPIPE') process.stderr.write(`virt-mdev: cannot write the output: ${describeSystemError(e)}\n`);
    process.exit(ExitCode.FAILURE);
  });
}
