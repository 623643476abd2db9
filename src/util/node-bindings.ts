// Three of Node's own bindings, reached without the public module that wraps them, whose loading
// costs more than the call: node:v8 (setFlagsFromString: the hook, the code cache, validate's wasm
// flags) loads Node's heap-snapshot and stream modules; node:child_process (spawnSync: our locks,
// through flock(1)) loads net, dgram and streams; node:zlib (crc32: validate's cache fingerprints,
// ./fingerprint.ts) loads streams too. Measured on Node 20: a managed prepare ~5 ms less without the
// first two, a one-file validate 2–3 ms less without v8 and zlib. Each public function is a thin
// layer over its binding, which process.binding() hands out (DEP0111: on Node's allow-list,
// deprecated in documentation; for `v8` and `zlib` the first access emits a DeprecationWarning,
// silenced around it here).
//
// They are internal: their inputs are checked by C++ assertions that abort the process, so they are
// used only on the Node majors whose format we test (the real-stack tier's hook on Debian's Node 18,
// npm test on Node 20), never under --pending-deprecation (which makes process.binding warn), and
// only when they have the shape we call. Anywhere else the public module does the same work.
import * as v8 from 'node:v8';

/** majors whose bindings take what we give them (lib/v8.js, lib/child_process.js, lib/zlib.js of those versions) */
const TESTED_MAJORS = new Set(['18', '20']);

export interface SpawnSyncResult {
  status?: number | null;
  signal?: string | null;
  /** a libuv (negative errno) code when the program could not be started */
  error?: number;
  /** one entry per stdio slot: a Buffer for each pipe */
  output?: Array<Buffer | null> | null;
}

export interface SpawnSyncBinding {
  spawn(options: object): SpawnSyncResult;
}

interface V8Binding {
  setFlagsFromString(flags: string): void;
}

/** Node ≥ 20.15's zlib binding: the CRC-32 behind node:zlib's crc32 (a Uint8Array and a uint32, as that checks) */
interface ZlibBinding {
  crc32(data: Uint8Array, value: number): number;
}

function pendingDeprecation(): boolean {
  return process.execArgv.includes('--pending-deprecation') || (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation')
    || process.env.NODE_PENDING_DEPRECATION === '1';
}

/** whether this process reaches Node's bindings directly (tests: which modules a call loads) */
export const usable = (): boolean => TESTED_MAJORS.has(process.versions.node.split('.')[0]!) && !pendingDeprecation()
  && process.env.VIRT_MDEV_NODE_BINDINGS !== 'off';

/** the binding NAME when it has function FN, else null (and null for good once it was not) */
function bindingWith<T>(name: string, fn: string): T | null {
  if (!usable()) return null;
  const p = process as unknown as { binding?: (n: string) => unknown; noDeprecation?: boolean };
  const quiet = p.noDeprecation;
  try {
    p.noDeprecation = true;
    const b = p.binding?.(name) as Record<string, unknown> | undefined;
    return b && typeof b[fn] === 'function' ? b as T : null;
  } catch {
    return null;
  } finally {
    p.noDeprecation = quiet;
  }
}

let v8Binding: V8Binding | null | undefined;
let zlibBinding: ZlibBinding | null | undefined;
let spawnSync: SpawnSyncBinding | null | undefined;

/** v8.setFlagsFromString */
export function setV8Flags(flags: string): void {
  v8Binding ??= bindingWith<V8Binding>('v8', 'setFlagsFromString');
  if (v8Binding) v8Binding.setFlagsFromString(flags);
  else v8.setFlagsFromString(flags);
}

/** zlib's CRC-32 through the binding, or null where the binding has none (Node 18, < 20.15) */
export function crc32Binding(): ((data: Uint8Array) => number) | null {
  zlibBinding ??= bindingWith<ZlibBinding>('zlib', 'crc32');
  const b = zlibBinding;
  return b ? (data) => b.crc32(data, 0) >>> 0 : null;
}

/** Node's spawn_sync binding, or null where child_process.spawnSync must do (./run-sync.ts) */
export function spawnSyncBinding(): SpawnSyncBinding | null {
  spawnSync ??= bindingWith<SpawnSyncBinding>('spawn_sync', 'spawn');
  return spawnSync;
}

/** after a call the binding turned down: the public module from now on */
export function dropSpawnSyncBinding(): void {
  spawnSync = null;
}
