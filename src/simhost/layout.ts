// Building blocks for a sysfs-shaped tree. Every link is made relative from the link's own directory,
// which is exactly how sysfs renders its links (common prefix, then '../' up and down again).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inDirMadeOnDemand } from '../util/dir-on-demand.js';

/** segments separated by one slash, none empty, '.' or '..' */
const PLAIN_REL = /^(?:(?!\.\.?\/)[^/]+\/)*(?!\.\.?$)[^/]+$/;
/** an absolute path of such segments: what path.normalize leaves as it is */
const PLAIN_ABS = /^\/(?:(?!\.\.?\/)[^/]+\/)*(?!\.\.?$)[^/]+$/;

/**
 * path.join(dir, rel) for the simulated kernel's own paths, without the normalize that join does (most
 * of the CPU and a third of the garbage of building a device): dir is a root's absolute path, rel
 * plain names. Anything else (a '.' or '..' segment, an empty one, a relative dir) goes through path.join.
 */
export function joinUnder(dir: string, rel: string): string {
  return PLAIN_REL.test(rel) && PLAIN_ABS.test(dir) ? `${dir}/${rel}` : path.join(dir, rel);
}

/**
 * The names of a root-relative path, as path.posix.normalize would leave them. Only a '..' needs
 * normalize: the simulated kernel's own paths have none, and normalize was most of the cost of
 * building a device (52 links for 4 devices, in the hook's unoptimised code).
 */
function segments(p: string): string[] {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return parts.includes('..') ? path.posix.normalize(p).split('/').filter((x) => x !== '' && x !== '.') : parts;
}

/**
 * Relative link target as sysfs prints it for a link at linkRel pointing at targetRel (both
 * root-relative). kernfs_get_target_path() climbs from the link's directory until it reaches an
 * ancestor of the target's parent and then names the path down, so a link to an ancestor reads
 * '../../../<uuid>' rather than '../..' (vfio-dev/vfio0/device, measured on 6.1).
 */
export function relTarget(linkRel: string, targetRel: string): string {
  if (PLAIN_REL.test(linkRel) && PLAIN_REL.test(targetRel)) return plainRelTarget(linkRel, targetRel);
  let base = segments(path.posix.dirname(linkRel));
  const target = segments(targetRel);
  const targetParent = target.slice(0, -1);
  let ups = 0;
  const isPrefix = (a: string[], b: string[]): boolean => a.length <= b.length && a.every((x, i) => x === b[i]);
  while (base.length > 0 && !isPrefix(base, targetParent)) {
    base = base.slice(0, -1);
    ups++;
  }
  return '../'.repeat(ups) + target.slice(base.length).join('/');
}

/** relTarget of two paths of plain names (the simulated kernel's own), on the strings themselves */
function plainRelTarget(linkRel: string, targetRel: string): string {
  const targetParent = targetRel.slice(0, Math.max(0, targetRel.lastIndexOf('/')));
  let base = linkRel.slice(0, Math.max(0, linkRel.lastIndexOf('/')));
  let ups = 0;
  while (base !== '' && targetParent !== base && !targetParent.startsWith(`${base}/`)) {
    base = base.slice(0, Math.max(0, base.lastIndexOf('/')));
    ups++;
  }
  return '../'.repeat(ups) + (base === '' ? targetRel : targetRel.slice(base.length + 1));
}

export function mkdirs(rootDir: string, rel: string): void {
  fs.mkdirSync(path.join(rootDir, rel), { recursive: true });
}

/** A sysfs attribute: read-only 0444 unless it is write-only (create, remove, ...). */
export function putFile(rootDir: string, rel: string, content: string, mode = 0o444): void {
  const abs = path.join(rootDir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content, { mode });
  fs.chmodSync(abs, mode);
}

/** Symlink linkRel → targetRel (root-relative), replacing a stale link of the same name. */
export function putLink(rootDir: string, linkRel: string, targetRel: string): void {
  const abs = path.join(rootDir, linkRel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const want = relTarget(linkRel, targetRel);
  try {
    if (fs.readlinkSync(abs) === want) return;
    fs.unlinkSync(abs);
  } catch { /* absent */ }
  fs.symlinkSync(want, abs);
}

/** this process's umask, read once (process.umask() without an argument changes nothing) */
let umaskBits: number | undefined;

/** Give a new file the mode it was created with, unless the umask took none of its bits. */
function fixMode(abs: string, mode: number): void {
  umaskBits ??= process.umask();
  if ((mode & umaskBits) !== 0) fs.chmodSync(abs, mode);
}

/**
 * Make a directory of a device being built, which does not exist yet: one mkdir(2), added to `made`.
 * One left over after all is used as it is; a missing parent is made too.
 */
export function newDir(rootDir: string, rel: string, made: Set<string>): void {
  const abs = joinUnder(rootDir, rel);
  try {
    fs.mkdirSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fs.mkdirSync(abs, { recursive: true });
    else if (code !== 'EEXIST') throw e;
  }
  made.add(abs);
}

/**
 * Run op, which creates an entry in the directory of abs. A directory in `made` is known to exist;
 * any other is tried first (it usually exists: a class or bus directory) and made only when op
 * reports it missing, so an existing one costs no mkdir(2).
 */
function inDir(abs: string, made: Set<string>, op: () => void): void {
  const dir = path.dirname(abs);
  if (made.has(dir)) {
    op();
    return;
  }
  inDirMadeOnDemand(dir, op);
  made.add(dir);
}

/**
 * putFile for a file that does not exist yet (a device being built): each directory is made at most
 * once per `made`; a file that does exist after all is replaced as putFile does.
 */
export function newFile(rootDir: string, rel: string, content: string, mode: number, made: Set<string>): void {
  const abs = joinUnder(rootDir, rel);
  let exists = false;
  inDir(abs, made, () => {
    try {
      // open, write, close as writeFileSync does, without its options and with no write(2) for an empty attribute
      const fd = fs.openSync(abs, 'wx', mode);
      try {
        if (content !== '') fs.writeSync(fd, content);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      exists = true;
    }
  });
  if (exists) putFile(rootDir, rel, content, mode);
  else fixMode(abs, mode);
}

/** putLink for a link that does not exist yet: one symlink(2) when nothing is in the way */
export function newLink(rootDir: string, linkRel: string, targetRel: string, made: Set<string>): void {
  const abs = joinUnder(rootDir, linkRel);
  let exists = false;
  inDir(abs, made, () => {
    try {
      fs.symlinkSync(relTarget(linkRel, targetRel), abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      exists = true;
    }
  });
  if (exists) putLink(rootDir, linkRel, targetRel);
}

/**
 * rm -rf of a directory the simulated kernel made, with one rmdir(2) per directory and no lstat per
 * entry (fs.rmSync tries rmdir first and stats every entry). A link or file at abs is unlinked, never
 * followed; anything unusual (an entry of unknown type, an error) is left to fs.rmSync.
 */
export function removeTree(abs: string): void {
  let top: fs.Stats;
  try {
    top = fs.lstatSync(abs);
  } catch {
    return; // gone already
  }
  if (!top.isDirectory()) {
    unlinkQuiet(abs);
    return;
  }
  const clear = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      // a directory entry's name is one plain segment
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) clear(p);
      else if (e.isFile() || e.isSymbolicLink()) fs.unlinkSync(p);
      else fs.rmSync(p, { recursive: true, force: true });
    }
    fs.rmdirSync(dir);
  };
  try {
    clear(abs);
  } catch {
    fs.rmSync(abs, { recursive: true, force: true });
  }
}

export function unlinkQuiet(abs: string): void {
  try { fs.unlinkSync(abs); } catch { /* already gone */ }
}

export function existsNoFollow(abs: string): boolean {
  try { fs.lstatSync(abs); return true; } catch { return false; }
}

export function readdirQuiet(abs: string): string[] {
  try { return fs.readdirSync(abs); } catch { return []; }
}

export function readlinkQuiet(abs: string): string | undefined {
  try { return fs.readlinkSync(abs); } catch { return undefined; }
}

/** A device's subsystem link, and its entry in the bus (under devices/) or class (directly) it belongs to. */
export function writeSubsystemMember(rootDir: string, devRel: string, name: string, subsystem: string): void {
  putLink(rootDir, `${devRel}/subsystem`, subsystem);
  if (subsystem.startsWith('sys/bus/')) putLink(rootDir, `${subsystem}/devices/${name}`, devRel);
  else putLink(rootDir, `${subsystem}/${name}`, devRel);
}
