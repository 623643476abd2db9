// A full disk, for real: a tiny tmpfs mounted in a private mount namespace (`unshare -m`, root only),
// so ENOSPC comes from the kernel and nothing outside the test sees the mount.
import type { ExecutionContext } from 'ava';
import { execa, type Result } from 'execa';

let permitted: Promise<boolean> | undefined;

/** Whether this process may mount a tmpfs in a private mount namespace (checked once). */
export function canMountTmpfs(): Promise<boolean> {
  permitted ??= execa('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k none "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'],
    { reject: false, timeout: 20_000 }).then((r) => r.exitCode === 0, () => false);
  return permitted;
}

/**
 * True when the test may go on. Otherwise logs why and passes; under CI=1 the skip is a failure (CI runs
 * as root, where a skip would hide a regression).
 */
export async function needTmpfs(t: ExecutionContext): Promise<boolean> {
  if (await canMountTmpfs()) return true;
  const why = 'cannot mount a tmpfs in a private mount namespace (needs root and a permitted unshare -m)';
  if (process.env.CI) t.fail(`${why}: CI must run this test`);
  else {
    t.log(`skipped: ${why}`);
    t.pass();
  }
  return false;
}

/**
 * Run `sh -c script` in a private mount namespace where the existing directory `dir` is a fresh tmpfs
 * of `size` (e.g. '64k'); the script sees it as $FS. Never throws on a non-zero exit.
 */
export function inTinyTmpfs(dir: string, size: string, script: string, env: Record<string, string> = {}): Promise<Result> {
  return execa('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=${size} none "$FS" || exit 99\n${script}`], {
    env: { ...env, FS: dir }, reject: false, timeout: 120_000, stripFinalNewline: false,
  });
}

/** Shell lines that fill $FS to the last byte (a file named `fill`). */
export const FILL_FS = 'cat /dev/zero > "$FS/fill" 2>/dev/null; true';
