// Runs a short helper program (flock(1)) and waits for it, as child_process.spawnSync does, through
// Node's spawn_sync binding where ./node-bindings.ts allows it: child_process itself is not loaded
// then. Elsewhere, or if the binding turns the call down, child_process.spawnSync does the same run.
// (Its import costs nothing until used: the bundles load Node's rarer built-ins lazily, scripts/bundles.ts.)
import { spawnSync } from 'node:child_process';
import * as util from 'node:util';
import { dropSpawnSyncBinding, spawnSyncBinding, type SpawnSyncBinding } from './node-bindings.js';

export interface RunSyncOptions {
  /** a descriptor of ours the program gets as its fd 3 (its stdin and stdout are /dev/null) */
  fd3?: number;
}

export interface RunSyncResult {
  status: number | null;
  signal: string | null;
  /** what it wrote to stderr (at most MAX_STDERR bytes) */
  stderr: string;
  /** it could not be started (ENOENT, EACCES, EAGAIN…): `code` says why */
  error?: NodeJS.ErrnoException;
}

const MAX_STDERR = 64 * 1024;
/** the helper's whole environment: its messages in English for our logs, nothing of ours passed on */
const ENV = { LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/** child_process's stdio slots for the binding (lib/internal/child_process.js getValidStdio, sync) */
function stdioOf(o: RunSyncOptions): object[] {
  const s: object[] = [{ type: 'ignore' }, { type: 'ignore' }, { type: 'pipe', readable: false, writable: true }];
  if (o.fd3 !== undefined) s.push({ type: 'fd', fd: o.fd3 });
  return s;
}

function spawnError(errno: number, file: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = util.getSystemErrorName(errno);
  } catch {
    code = `errno ${errno}`;
  }
  return Object.assign(new Error(`spawnSync ${file} ${code}`), { errno, code, syscall: `spawnSync ${file}`, path: file });
}

function viaBinding(b: SpawnSyncBinding, file: string, args: readonly string[], o: RunSyncOptions): RunSyncResult {
  const r = b.spawn({
    file, args: [file, ...args], envPairs: Object.entries(ENV).map(([k, v]) => `${k}=${v}`), stdio: stdioOf(o),
    detached: false, windowsHide: false, windowsVerbatimArguments: false, maxBuffer: MAX_STDERR,
  });
  const stderr = r.output?.[2]?.toString('utf8') ?? '';
  if (typeof r.error === 'number' && r.error !== 0) return { status: null, signal: null, stderr, error: spawnError(r.error, file) };
  return { status: r.status ?? null, signal: r.signal ?? null, stderr };
}

function viaChildProcess(file: string, args: readonly string[], o: RunSyncOptions): RunSyncResult {
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'ignore', 'pipe'];
  if (o.fd3 !== undefined) stdio.push(o.fd3);
  const r = spawnSync(file, [...args], { stdio, env: ENV, encoding: 'utf8', maxBuffer: MAX_STDERR });
  return { status: r.status, signal: r.signal, stderr: String(r.stderr ?? ''), error: r.error as NodeJS.ErrnoException | undefined };
}

/** Run file (an absolute path) with args and wait for it to end: for helpers that do not block. */
export function runSync(file: string, args: readonly string[], o: RunSyncOptions = {}): RunSyncResult {
  const b = spawnSyncBinding();
  if (b) {
    try {
      return viaBinding(b, file, args, o);
    } catch {
      // a shape this Node's binding does not take (it throws before starting anything)
      dropSpawnSyncBinding();
    }
  }
  return viaChildProcess(file, args, o);
}
