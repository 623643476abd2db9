// Tunables of the hook. libvirt passes the hook no environment of ours, so on a real host the file
// etc/virt-mdev/hook.conf is the way to change them; the environment variables exist for tests and
// for running the hook by hand.
import * as path from 'node:path';
import { readHostFile } from '../host/read-file.js';
import type { HostRoot } from '../host/root.js';
import { describeSystemError, ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';

export interface HookConfig {
  /** how long a remove may block (device still open) before it is abandoned to gc */
  removeTimeoutMs: number;
  /** how long to queue for the ledger lock (many VMs starting at once queue, they do not fail) */
  lockTimeoutMs: number;
  /** a prepared device whose domain does not (yet) run counts as "starting" for this long */
  startGraceMs: number;
}

export const DEFAULT_CONFIG: HookConfig = { removeTimeoutMs: 30_000, lockTimeoutMs: 120_000, startGraceMs: 300_000 };

// a zero remove or lock timeout would abandon every remove and fail every lock at once; a zero
// start grace only lets gc act on a device as soon as its domain is not running, which is allowed
const KEYS: Record<string, { field: keyof HookConfig; env: string; positive: boolean }> = {
  remove_timeout: { field: 'removeTimeoutMs', env: 'VIRT_MDEV_REMOVE_TIMEOUT', positive: true },
  lock_timeout: { field: 'lockTimeoutMs', env: 'VIRT_MDEV_LOCK_TIMEOUT', positive: true },
  start_grace: { field: 'startGraceMs', env: 'VIRT_MDEV_START_GRACE', positive: false },
};

export function hookConfPath(root: HostRoot): string {
  return path.join(root.etcDir, 'hook.conf');
}

function seconds(value: string, where: string, positive: boolean): number {
  const v = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) * 1000) : NaN;
  if (!(ms <= 86_400_000) || (positive && ms < 1)) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-config',
      `${where}: '${printable(v)}' is not a number of seconds ${positive ? 'above 0 and up to' : 'between 0 and'} 86400`);
  }
  return ms;
}

const MAX_CONF_BYTES = 64 * 1024;

/** hook.conf's text ('' when there is none); a directory, FIFO, link out of the root, huge or non-UTF-8 file is refused, named */
function readConfText(root: HostRoot, file: string): string {
  const bad = (why: string): VirtMdevError => new VirtMdevError(ExitCode.BAD_VALUE, 'bad-config', `${file}: ${why}; fix or remove it (see README: hook.conf)`);
  let r;
  try {
    r = readHostFile(root, file, MAX_CONF_BYTES, {}, 'hook configuration');
  } catch (e) {
    if (e instanceof VirtMdevError) throw e;
    throw bad(`cannot be read (${describeSystemError(e)})`);
  }
  if (!r.ok) {
    if (r.why === 'absent') return '';
    throw bad(r.why === 'too-big' ? `larger than ${MAX_CONF_BYTES / 1024} KiB, not a configuration file` : 'not a regular file (a directory, FIFO or device)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(r.data);
  } catch {
    throw bad('not UTF-8 text');
  }
}

/** hook.conf lines are `key = seconds` with '#' comments; the environment overrides the file. */
export function loadHookConfig(root: HostRoot, env: NodeJS.ProcessEnv = process.env): HookConfig {
  const cfg: HookConfig = { ...DEFAULT_CONFIG };
  const file = hookConfPath(root);
  readConfText(root, file).split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    const key = m ? KEYS[m[1]] : undefined;
    if (!m || !key) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-config',
        `${file}:${i + 1}: expected 'key = seconds' with key one of ${Object.keys(KEYS).join(', ')}`);
    }
    cfg[key.field] = seconds(m[2], `${m[1]} in ${file}:${i + 1}`, key.positive);
  });
  for (const k of Object.values(KEYS)) {
    const v = env[k.env];
    if (v !== undefined && v !== '') cfg[k.field] = seconds(v, k.env, k.positive);
  }
  return cfg;
}

/**
 * For release, reconnect and gc, which must never stop over configuration: a VM that stops would
 * otherwise leak its devices. A bad file (or variable) means the defaults, and `problem` says why.
 */
export function loadHookConfigOrDefaults(root: HostRoot, env: NodeJS.ProcessEnv = process.env): { cfg: HookConfig; problem?: string } {
  try {
    return { cfg: loadHookConfig(root, env) };
  } catch (e) {
    return { cfg: { ...DEFAULT_CONFIG }, problem: e instanceof Error ? e.message : String(e) };
  }
}
