// Where virt-mdev keeps what it caches for later runs (compiled schemas, V8 code caches), and when a
// file there may be used. What a cache holds ends up run (bytecode, or libxml2's memory), so a cache
// file is trusted only when nobody but the user running virt-mdev could have written it: the
// directory and the file are that user's (effective uid), writable by no group or other user, and
// neither is a symbolic link. Anything else, and any error (no such file, EACCES, EROFS, AppArmor),
// means "no cache": callers go on as without one, and never fail because of a cache.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFdBounded } from './bounded-read.js';
import { writeFileAtomic } from './atomic.js';

/**
 * $XDG_CACHE_HOME/virt-mdev, else /var/cache/virt-mdev for root and ~/.cache/virt-mdev for anyone
 * else; undefined (no cache) with VIRT_MDEV_CACHE=off, or when `off` (a cache's own switch) says so.
 * Never under a --root: what is cached was read from this machine's real paths.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, off = false): string | undefined {
  if (off || env.VIRT_MDEV_CACHE === 'off') return undefined;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'virt-mdev');
  if (process.geteuid?.() === 0) return '/var/cache/virt-mdev';
  const home = env.HOME || os.homedir();
  return home && path.isAbsolute(home) ? path.join(home, '.cache', 'virt-mdev') : undefined;
}

/** this user's, and writable by nobody else */
function ownedAlone(st: fs.Stats): boolean {
  return (!process.geteuid || st.uid === process.geteuid()) && (st.mode & 0o022) === 0;
}

/** a directory (not a link to one) that only this user can change */
function trustedDir(dir: string): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && ownedAlone(st);
}

/** The bytes of dir/name when both are trusted and it holds at most max bytes; undefined otherwise. Never throws. */
export function readCacheFile(dir: string, name: string, max: number): Buffer | undefined {
  try {
    if (!trustedDir(dir)) return undefined;
    const fd = fs.openSync(path.join(dir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || !ownedAlone(st)) return undefined;
      const r = readFdBounded(fd, max, st);
      return r.ok ? r.data : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Replaces dir/name with data (all or nothing; no fsync: a lost cache file is only a miss), creating
 * dir when it is missing; writes nothing into a directory that is not trusted. false when it did not
 * write. Never throws.
 */
export function writeCacheFile(dir: string, name: string, data: Uint8Array): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (!trustedDir(dir)) return false;
    writeFileAtomic(path.join(dir, name), data, 0o644, { durable: false });
    return true;
  } catch {
    return false;
  }
}

/** Keeps the newest `keep` files of dir whose names start with prefix and end with suffix, and `current`. Never throws. */
export function pruneCacheFiles(dir: string, prefix: string, suffix: string, keep: number, current: string): void {
  try {
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(suffix) && f !== current);
    if (files.length < keep) return;
    const byAge = files.map((f) => {
      try {
        return { f, t: fs.lstatSync(path.join(dir, f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    }).sort((a, b) => a.t - b.t);
    for (const { f } of byAge.slice(0, files.length - keep + 1)) {
      try {
        fs.unlinkSync(path.join(dir, f));
      } catch {
        // another run pruned it first
      }
    }
  } catch {
    // an unreadable directory keeps what it has
  }
}
