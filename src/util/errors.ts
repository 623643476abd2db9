// One error type for the whole tool: every failure a person can act on carries an exit code
// from this table, so scripts and libvirt logs can tell the cases apart without parsing text.
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
