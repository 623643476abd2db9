// Turns any thrown error into one clear line on stderr and a distinct exit code.
import { ExitCode, isVirtMdevError } from '../util/errors.js';

export function reportError(e: unknown, json = false): number {
  if (isVirtMdevError(e)) {
    if (json) {
      process.stderr.write(JSON.stringify({ error: e.reason, message: e.message, details: e.details }) + '\n');
    } else {
      process.stderr.write(`virt-mdev: ${e.message}\n`);
      for (const d of e.details) process.stderr.write(`  ${d}\n`);
    }
    return e.exitCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.syscall) {
    process.stderr.write(`virt-mdev: ${err.message}\n`);
    return ExitCode.FAILURE;
  }
  process.stderr.write(`virt-mdev: internal error: ${err && err.stack ? err.stack : String(e)}\n`);
  return ExitCode.FAILURE;
}
