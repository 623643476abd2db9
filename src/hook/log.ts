// One JSON line per action to var/log/virt-mdev/hook.log: what libvirt asked, what we did to which
// device, how it ended. Appends are single write(2)s with O_APPEND, so parallel hooks never
// interleave within a line. Logging must never be the reason a hook fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { writeFailure } from '../util/atomic.js';
import { inDirMadeOnDemand } from '../util/dir-on-demand.js';
import { printable } from '../util/validate.js';

export interface HookLogger {
  log(action: string, fields?: Record<string, unknown>): void;
}

export function hookLogPath(root: HostRoot): string {
  return path.join(root.logDir, 'hook.log');
}

/**
 * The log, opened O_APPEND at the first line and kept open for the rest of this (short) process: each
 * line is then one write(2). Its directory is made only when it is missing (the first hook of a host).
 */
function openLog(file: string): number {
  return inDirMadeOnDemand(path.dirname(file), () => fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640));
}

/**
 * `warn` hears once, as one line, that the log cannot be written: the hook goes on without it (a
 * full or read-only /var must not stop a VM from starting or stopping).
 */
export function openHookLog(root: HostRoot, base: Record<string, unknown>, warn?: (line: string) => void): HookLogger {
  const file = hookLogPath(root);
  let warned = false;
  let fd: number | undefined;
  return {
    log(action, fields = {}) {
      const line = JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...base, action, ...fields }) + '\n';
      try {
        fd ??= openLog(file);
        fs.writeSync(fd, line);
      } catch (e) {
        if (warn && !warned) warn(`cannot write the hook log '${printable(file, 200)}': ${writeFailure(e)}; going on without it`);
        warned = true;
      }
    },
  };
}
