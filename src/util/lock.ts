// Cross-process exclusive lock: flock(2) on a lock file, taken through flock(1) (util-linux, on every
// Debian and Ubuntu host) because Node has no flock and virt-mdev has no native addon. The lock sits
// on an open file description of OUR process: the flock(1) child inherits our descriptor as fd 3,
// locks it and exits, and the lock stays with our descriptor. So the kernel releases it the instant
// we close it or die (even by SIGKILL), no helper process outlives a lock, and it excludes every
// process on the machine whatever its network namespace or Node version (an abstract unix socket,
// used before, did neither: Node 18's libuv cut its name at the leading NUL).
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errnoCode, ExitCode, VirtMdevError } from './errors.js';
import { runSync } from './run-sync.js';

export interface LockOptions {
  /** give up after this long (default 60 s: parallel boot of many VMs must queue, not fail) */
  timeoutMs?: number;
  /** directory of the lock files (default ROOT/run/virt-mdev/locks; HostRoot.lockDir knows better) */
  dir?: string;
}

export interface HeldLock {
  readonly name: string;
  release(): Promise<void>;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
/** flock(1)'s exit status (-E) when the lock stayed busy until -w ran out */
const BUSY_STATUS = 75;
const FLOCK_PATHS = ['/usr/bin/flock', '/bin/flock'];
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** the hook runs with PATH=/bin:/sbin; look where util-linux installs flock(1) first */
function flockBinary(): string {
  return FLOCK_PATHS.find((p) => fs.existsSync(p)) ?? 'flock';
}

export function lockFilePath(rootDir: string, name: string, dir?: string): string {
  return path.join(dir ?? path.join(rootDir, 'run/virt-mdev/locks'), `${name}.lock`);
}

/**
 * Where a root's lock lives when its own place is on a read-only file system: every process of the
 * host then fails the same way and agrees on this place, derived from the root's real path. Only
 * EROFS falls back: a permission error is one user's, and two places for one lock would exclude no one.
 */
export function fallbackFilePath(rootDir: string, name: string): string {
  const h = crypto.createHash('sha256').update(rootDir).update('\0').update(name).digest('hex').slice(0, 32);
  const dir = fs.existsSync('/run/lock') ? '/run/lock' : os.tmpdir();
  return path.join(dir, `virt-mdev-${h}.lock`);
}

function lockFileError(file: string, name: string, e: unknown): VirtMdevError {
  const code = errnoCode(e) ?? (e as Error).message;
  const hint = code === 'ELOOP' ? 'it is a symbolic link; remove it'
    : code === 'EACCES' || code === 'EPERM' ? 'run as root'
      : 'check that its directory is a writable directory';
  return new VirtMdevError(ExitCode.HOST, 'lock-file',
    `cannot open ${file} for the virt-mdev '${name}' lock (${code}): ${hint}`, { cause: e });
}

/** mkdir -p that keeps the real errno (Node's recursive mkdir reports EROFS as ENOENT) */
function makeDirs(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return;
    if (errnoCode(e) !== 'ENOENT' || path.dirname(dir) === dir) throw e;
    makeDirs(path.dirname(dir));
    makeDirs(dir);
  }
}

function openAt(file: string): number {
  try {
    return fs.openSync(file, OPEN_FLAGS, 0o600);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    makeDirs(path.dirname(file));
    return fs.openSync(file, OPEN_FLAGS, 0o600);
  }
}

function openLockFile(rootDir: string, name: string, dir: string | undefined): { fd: number; file: string } {
  let file = lockFilePath(rootDir, name, dir);
  let fd: number;
  try {
    try {
      fd = openAt(file);
    } catch (e) {
      if (errnoCode(e) !== 'EROFS') throw e;
      file = fallbackFilePath(rootDir, name);
      fd = openAt(file);
    }
  } catch (e) {
    throw lockFileError(file, name, e);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw lockFileError(file, name, new Error('not a regular file'));
  }
  return { fd, file };
}

function noFlock(file: string, e: Error): VirtMdevError {
  return new VirtMdevError(ExitCode.HOST, 'no-flock',
    `cannot run flock(1) to take a lock on ${file} (${errnoCode(e) ?? e.message}): install util-linux`, { cause: e });
}

function flockFailed(file: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): VirtMdevError {
  const why = stderr.trim().split('\n')[0] || (signal ? `killed by ${signal}` : `status ${String(code)}`);
  return new VirtMdevError(ExitCode.HOST, 'lock-failed', `flock(1) could not lock ${file}: ${why}`);
}

/**
 * One try that does not wait: true when we now hold the lock, false when it is busy. Synchronous: a
 * free lock, the usual case, costs one flock(1) run and no trip through the event loop.
 */
function flockFdNow(fd: number, file: string): boolean {
  const r = runSync(flockBinary(), ['-E', String(BUSY_STATUS), '-n', '3'], { fd3: fd });
  if (r.error) throw noFlock(file, r.error);
  if (r.status === 0) return true;
  if (r.status === BUSY_STATUS) return false;
  throw flockFailed(file, r.stderr.slice(0, 1000), r.status, r.signal as NodeJS.Signals | null);
}

/** flock(1) on our descriptor: true once we hold the lock, false when it stayed busy for waitMs. */
async function flockFd(fd: number, file: string, waitMs: number): Promise<boolean> {
  if (flockFdNow(fd, file)) return true;
  if (waitMs <= 0) return false;
  return flockFdWaiting(fd, file, waitMs);
}

/** flock(1) -w in a child the event loop waits for: a busy lock is waited for without blocking this process. */
function flockFdWaiting(fd: number, file: string, waitMs: number): Promise<boolean> {
  const wait = ['-w', (waitMs / 1000).toFixed(3)];
  return new Promise((resolve, reject) => {
    const child = spawn(flockBinary(), ['-E', String(BUSY_STATUS), ...wait, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => { if (stderr.length < 1000) stderr += s; });
    child.on('error', (e) => reject(noFlock(file, e)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(true);
      else if (code === BUSY_STATUS) resolve(false);
      else reject(flockFailed(file, stderr, code, signal));
    });
  });
}

/** Did we lock what the path names now? Not when the file was unlinked or replaced while we waited. */
function stillThere(fd: number, file: string): boolean {
  try {
    const held = fs.fstatSync(fd, { bigint: true });
    const now = fs.lstatSync(file, { bigint: true });
    return held.dev === now.dev && held.ino === now.ino;
  } catch {
    return false;
  }
}

/**
 * Take the exclusive lock NAME of the host root rootDir (a real path: every spelling of one root
 * must share its lock). Not re-entrant: a second acquire in the same process waits like any other.
 */
export async function acquireLock(rootDir: string, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  if (!NAME_RE.test(name)) throw new Error(`invalid lock name '${name}'`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { fd, file } = openLockFile(rootDir, name, opts.dir);
    let got: boolean;
    try {
      got = await flockFd(fd, file, deadline - Date.now());
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    if (got && stillThere(fd, file)) {
      let open = true;
      return {
        name,
        release: async () => {
          if (open) fs.closeSync(fd);
          open = false;
        },
      };
    }
    fs.closeSync(fd);
    if (!got) {
      throw new VirtMdevError(ExitCode.TIMEOUT, 'lock-timeout',
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the virt-mdev '${name}' lock on host root ${rootDir}: another virt-mdev process holds it; retry, or find it with 'ps -ef | grep virt-mdev'`);
    }
    // the file we waited on was unlinked meanwhile: whoever comes now locks the new one, so must we
    // (past the deadline, that last try does not wait)
  }
}

export async function withLock<T>(rootDir: string, name: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(rootDir, name, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Create the lock files NAMES in dir ahead of use, so that taking a lock later changes no tree. */
export function createLockFiles(dir: string, names: readonly string[]): void {
  for (const n of names) {
    const file = lockFilePath('', n, dir);
    try {
      fs.closeSync(openAt(file));
    } catch (e) {
      throw lockFileError(file, n, e);
    }
  }
}
