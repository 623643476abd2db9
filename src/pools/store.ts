// Where pool definitions live: etc/virt-mdev/pools/NAME.xml under the host root, and, as libvirt
// keeps autostart for storage pools, a link etc/virt-mdev/pools/autostart/NAME.xml -> ../NAME.xml.
// Writers hold the ledger lock (withLedger) and replace files atomically; readers need no lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHostFile, type HostFileRead } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { stateWriteError, writeStateFile } from '../util/atomic.js';
import { describeSystemError, errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
import { checkPoolName, printable } from '../util/validate.js';
import { formatPoolXml, MAX_POOL_XML_BYTES, parsePoolXml } from './parse.js';
import type { PoolDefinition } from './types.js';

export function poolsDir(root: HostRoot): string {
  return path.join(root.etcDir, 'pools');
}

const POOLS_DIR_WHAT = 'the pools directory';

/** a pools directory that cannot be listed (a file in its place, EACCES, …): named, with what to do */
function notADirectory(e: unknown, what: string): VirtMdevError {
  return new VirtMdevError(ExitCode.HOST, 'pools-unreadable', `cannot list ${what}: ${describeSystemError(e)}`, { cause: e });
}

export function poolFile(root: HostRoot, name: string): string {
  return path.join(poolsDir(root), `${checkPoolName(name)}.xml`);
}

export function autostartLink(root: HostRoot, name: string): string {
  return path.join(poolsDir(root), 'autostart', `${checkPoolName(name)}.xml`);
}

function notDefined(root: HostRoot, name: string): VirtMdevError {
  return new VirtMdevError(ExitCode.NOT_FOUND, 'no-pool',
    `no pool '${printable(name)}' is defined on host root ${root.dir}: see 'virt-mdev pool-list --all', or define it with 'virt-mdev pool-define FILE'`);
}

/** A stored definition; undefined when there is none. A damaged file is an error naming the file. */
export function findPoolDefinition(root: HostRoot, name: string): PoolDefinition | undefined {
  const file = poolFile(root, name);
  let read: HostFileRead;
  try {
    read = readHostFile(root, file, MAX_POOL_XML_BYTES, {}, 'pool definition');
  } catch (e) {
    if (e instanceof VirtMdevError) throw e;
    throw new VirtMdevError(ExitCode.HOST, 'pool-unreadable', `cannot read pool definition ${file}: ${errnoCode(e) ?? (e as Error).message}`, { cause: e });
  }
  if (!read.ok) {
    if (read.why === 'absent') return undefined;
    if (read.why === 'too-big') {
      throw new VirtMdevError(ExitCode.BAD_XML, 'xml-too-large', `${file}: larger than ${MAX_POOL_XML_BYTES} bytes, not a pool definition: move it aside`);
    }
    throw new VirtMdevError(ExitCode.HOST, 'pool-unreadable', `${file}: not a regular file (a directory, FIFO or device), not a pool definition: move it aside`);
  }
  const def = parsePoolXml(read.data.toString('utf8'), file);
  if (def.name !== name) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'pool-name-mismatch',
      `${file}: <name>${def.name}</name> does not match the file name: a pool's file is named after its <name>; rename the file or fix <name>`);
  }
  return def;
}

/** A stored definition; NOT_FOUND when there is none. */
export function readPoolDefinition(root: HostRoot, name: string): PoolDefinition {
  const def = findPoolDefinition(root, name);
  if (!def) throw notDefined(root, name);
  return def;
}

export interface PoolDefinitions {
  pools: PoolDefinition[];
  /** files that could not be read (each error names its file); the other pools are still listed */
  problems: VirtMdevError[];
}

/** Every stored definition, sorted by name. */
export function listPoolDefinitions(root: HostRoot): PoolDefinitions {
  let names: string[];
  try {
    names = fs.readdirSync(poolsDir(root));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { pools: [], problems: [] };
    throw notADirectory(e, POOLS_DIR_WHAT);
  }
  const out: PoolDefinitions = { pools: [], problems: [] };
  for (const f of names.sort()) {
    if (!f.endsWith('.xml') || f.startsWith('.')) continue;
    try {
      const def = findPoolDefinition(root, checkPoolName(f.slice(0, -4)));
      if (def) out.pools.push(def);
    } catch (e) {
      if (!(e instanceof VirtMdevError)) throw e;
      out.problems.push(e.reason === 'bad-pool'
        ? new VirtMdevError(e.exitCode, e.reason, `${path.join(poolsDir(root), printable(f))}: not a pool definition file: ${e.message}`)
        : e);
    }
  }
  return out;
}

export interface AutostartPools {
  /** definitions with an autostart link, sorted by name */
  pools: PoolDefinition[];
  /** autostart links whose definition is missing or unreadable: the error names the file and what to do */
  problems: { name: string; error: VirtMdevError }[];
}

/** The pools marked to start at boot: one link per pool in pools/autostart/, read as isPoolAutostart does. */
export function listAutostartPools(root: HostRoot): AutostartPools {
  const dir = path.dirname(autostartLink(root, 'x'));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { pools: [], problems: [] };
    throw notADirectory(e, 'the pool autostart directory');
  }
  const out: AutostartPools = { pools: [], problems: [] };
  // dot files are pool-autostart's links under construction
  for (const f of names.sort()) {
    if (!f.endsWith('.xml') || f.startsWith('.')) continue;
    const name = f.slice(0, -4);
    const link = path.join(dir, f);
    try {
      checkPoolName(name);
    } catch (e) {
      if (!(e instanceof VirtMdevError)) throw e;
      out.problems.push({ name, error: new VirtMdevError(e.exitCode, e.reason, `${printable(link, 200)}: not a pool's autostart link: ${e.message}`) });
      continue;
    }
    if (!isPoolAutostart(root, name)) continue;
    try {
      const def = findPoolDefinition(root, name);
      if (def) out.pools.push(def);
      else {
        out.problems.push({ name, error: new VirtMdevError(ExitCode.NOT_FOUND, 'no-pool',
          `${link} marks pool '${name}' for autostart, but ${poolFile(root, name)} does not exist: remove the link or define the pool`) });
      }
    } catch (e) {
      if (!(e instanceof VirtMdevError)) throw e;
      out.problems.push({ name, error: e });
    }
  }
  return out;
}

/** Replace the stored definition (caller holds the ledger lock). */
export function writePoolDefinition(root: HostRoot, def: PoolDefinition): void {
  writeStateFile('pool', poolFile(root, def.name), formatPoolXml(def), 0o644);
}

/** Remove the definition and its autostart link (link first: a crash between never autostarts a missing pool). */
export function removePoolDefinition(root: HostRoot, name: string): void {
  setAutostartLink(root, name, false);
  const file = poolFile(root, name);
  try {
    fs.rmSync(file, { force: true });
  } catch (e) {
    throw stateWriteError('pool', file, e);
  }
}

export function isPoolAutostart(root: HostRoot, name: string): boolean {
  try {
    return fs.lstatSync(autostartLink(root, name)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** mkdir that reports the real errno (a recursive mkdir on a read-only file system says ENOENT) */
function makeDir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return;
    if (errnoCode(e) !== 'ENOENT') throw e;
    fs.mkdirSync(dir, { recursive: true });
  }
}

/** Create (atomically: a link under a temporary name, then rename) or remove the autostart link. */
export function setAutostartLink(root: HostRoot, name: string, on: boolean): void {
  const link = autostartLink(root, name);
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.${process.pid}.tmp`);
  try {
    if (!on) {
      fs.rmSync(link, { force: true });
      return;
    }
    makeDir(path.dirname(link));
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(`../${path.basename(link)}`, tmp);
    fs.renameSync(tmp, link);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* the first error is the one to report */ }
    throw stateWriteError('pool autostart link', link, e);
  }
}
