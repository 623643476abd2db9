// One JSON line per action to var/log/virt-mdev/hook.log: what libvirt asked, what we did to which
// device, how it ended. Appends are single write(2)s with O_APPEND, so parallel hooks never
// interleave within a line. Logging must never be the reason a hook fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';

export interface HookLogger {
  log(action: string, fields?: Record<string, unknown>): void;
}

export function hookLogPath(root: HostRoot): string {
  return path.join(root.logDir, 'hook.log');
}

export function openHookLog(root: HostRoot, base: Record<string, unknown>): HookLogger {
  const file = hookLogPath(root);
  let dirMade = false;
  return {
    log(action, fields = {}) {
      const line = JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...base, action, ...fields }) + '\n';
      try {
        if (!dirMade) { fs.mkdirSync(path.dirname(file), { recursive: true }); dirMade = true; }
        fs.appendFileSync(file, line, { mode: 0o640 });
      } catch {
        /* a full or read-only /var must not stop a VM from starting or stopping */
      }
    },
  };
}
