// Tunables of the hook. libvirt passes the hook no environment of ours, so on a real host the file
// etc/virt-mdev/hook.conf is the way to change them; the environment variables exist for tests and
// for running the hook by hand.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
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

const KEYS: Record<string, { field: keyof HookConfig; env: string }> = {
  remove_timeout: { field: 'removeTimeoutMs', env: 'VIRT_MDEV_REMOVE_TIMEOUT' },
  lock_timeout: { field: 'lockTimeoutMs', env: 'VIRT_MDEV_LOCK_TIMEOUT' },
  start_grace: { field: 'startGraceMs', env: 'VIRT_MDEV_START_GRACE' },
};

export function hookConfPath(root: HostRoot): string {
  return path.join(root.etcDir, 'hook.conf');
}

function seconds(value: string, where: string): number {
  const v = value.trim();
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 86_400) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-config', `${where}: '${printable(v)}' is not a number of seconds between 0 and 86400`);
  }
  return Math.round(Number(v) * 1000);
}

/** hook.conf lines are `key = seconds` with '#' comments; the environment overrides the file. */
export function loadHookConfig(root: HostRoot, env: NodeJS.ProcessEnv = process.env): HookConfig {
  const cfg: HookConfig = { ...DEFAULT_CONFIG };
  const file = hookConfPath(root);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    const key = m ? KEYS[m[1]] : undefined;
    if (!m || !key) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-config',
        `${file}:${i + 1}: expected 'key = seconds' with key one of ${Object.keys(KEYS).join(', ')}`);
    }
    cfg[key.field] = seconds(m[2], `${file}:${i + 1}`);
  });
  for (const k of Object.values(KEYS)) {
    const v = env[k.env];
    if (v !== undefined && v !== '') cfg[k.field] = seconds(v, k.env);
  }
  return cfg;
}
