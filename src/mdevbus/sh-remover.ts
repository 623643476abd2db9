// The remover on a real kernel: a /bin/sh that writes every device's `remove` at once, each in a
// background subshell through dd(1) (one open(2) without O_CREAT or O_TRUNC, one write(2) of "1"),
// and prints one line per device as its write returns: "UUID STATUS dd's error text". It starts in
// about a millisecond where the Node remover (remove-child.ts) pays a whole Node start. A write the
// kernel blocks (device still open by QEMU) keeps its subshell, and the detached sh, alive after the
// caller stopped listening: the removal finishes on its own and its report is dropped.
import * as fs from 'node:fs';
import { LINUX_ERRNO } from '../simhost/errno.js';
import { errnoExitStatus } from './remove-status.js';

export const SH = '/bin/sh';
/** where dd(1) is looked for, in order (doctor checks the same paths) */
export const DD_PATHS = ['/usr/bin/dd', '/bin/dd'];

/**
 * $1 dd, $2 the host root, then the UUIDs (validated before they come here). `printf '%s %s %s\n'` is one
 * write(2) of a line shorter than PIPE_BUF: reports never interleave.
 */
export const SH_REMOVER_SCRIPT = `dd=$1 root=$2; shift 2
nl='
'
for u do
  (
    err=$(printf 1 | "$dd" of="$root/sys/bus/mdev/devices/$u/remove" conv=nocreat,notrunc status=none 2>&1)
    st=$?
    printf '%s %s %s\\n' "$u" "$st" "\${err%%"$nl"*}"
  ) &
done
wait`;

/** The sh remover's command, or undefined where sh or dd is missing (then the Node remover works alone). */
export function shRemoverCommand(): { file: string; dd: string } | undefined {
  const dd = DD_PATHS.find((p) => fs.existsSync(p));
  return dd !== undefined && fs.existsSync(SH) ? { file: SH, dd } : undefined;
}

/** strerror(3) texts in the C locale, for the errnos a remove write can meet */
const STRERROR: Record<string, string> = {
  'Operation not permitted': 'EPERM', 'No such file or directory': 'ENOENT', 'Interrupted system call': 'EINTR',
  'Input/output error': 'EIO', 'Resource temporarily unavailable': 'EAGAIN', 'Cannot allocate memory': 'ENOMEM',
  'Permission denied': 'EACCES', 'Device or resource busy': 'EBUSY', 'No such device': 'ENODEV',
  'Invalid argument': 'EINVAL', 'No space left on device': 'ENOSPC', 'Numerical result out of range': 'ERANGE',
  'Too many users': 'EUSERS', 'No such device or address': 'ENXIO', 'Read-only file system': 'EROFS',
};

/**
 * One report line → the device and its status in the Node remover's protocol (remove-status.ts: 0
 * written, 100 + errno failed with that errno, 1 failed without one we know); undefined for a line
 * that is not a report.
 */
export function parseShReport(line: string): { uuid: string; status: number } | undefined {
  const m = /^(\S+) (\d+) ?(.*)$/.exec(line);
  if (!m) return undefined;
  const st = Number(m[2]);
  if (st === 0) return { uuid: m[1]!, status: 0 };
  // "dd: failed to open '…': No such file or directory", "dd: error writing '…': No such device"
  const text = m[3]!.slice(m[3]!.lastIndexOf(': ') + 2);
  const code = STRERROR[text];
  return { uuid: m[1]!, status: code !== undefined ? errnoExitStatus(LINUX_ERRNO[code] ?? 0) : 1 };
}
