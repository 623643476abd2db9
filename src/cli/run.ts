// Turns any thrown error into one clear line on stderr and a distinct exit code.
import { describeSystemError, errnoCode, ExitCode, isVirtMdevError } from '../util/errors.js';

export function reportError(e: unknown, json = false): number {
  if (isVirtMdevError(e)) {
    if (json) {
      process.stderr.write(JSON.stringify({ error: e.reason, message: e.message, details: e.details }) + '\n');
    } else {
      // one line, always: the details (what each parent still offers…) follow in parentheses
      process.stderr.write(`virt-mdev: ${oneLineText(e.message)}${e.details.length ? ` (${e.details.map(oneLineText).join('; ')})` : ''}\n`);
    }
    return e.exitCode;
  }
  if (errnoCode(e) !== undefined && (e as NodeJS.ErrnoException).syscall) {
    process.stderr.write(json ? JSON.stringify({ error: errnoCode(e), message: describeSystemError(e), details: [] }) + '\n' : `virt-mdev: ${describeSystemError(e)}\n`);
    return ExitCode.FAILURE;
  }
  // a bug: one line with where it happened; the whole stack only when asked for
  const err = e as Error;
  const at = err?.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim();
  process.stderr.write(`virt-mdev: internal error: ${oneLineText(err?.message ?? String(e))}${at ? ` (${at}; VIRT_MDEV_DEBUG=1 shows the stack)` : ''}; please report it\n`);
  if (process.env.VIRT_MDEV_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  return ExitCode.FAILURE;
}

function oneLineText(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
