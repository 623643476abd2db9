// The one seam between the code and the machine (as mdevctl's Environment): every host path is
// derived from a root, '/' on a real host, a simulated host's directory in tests, demos and dry runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode, VirtMdevError } from '../util/errors.js';

export const SIM_MARKER = 'virt-mdev-simulated-host.json';
/**
 * A simulated host keeps its lock files here, not under run/: `simulate reboot` empties run/ while
 * the processes of the test live on, and a lock file unlinked under its holder would let a second
 * process in (a real reboot ends every holder first).
 */
export const SIM_LOCK_DIR = 'virt-mdev-simulated-host.locks';

export class HostRoot {
  /** absolute, normalised root directory */
  readonly dir: string;
  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Join relative host path parts under the root; the parts must already be validated names. */
  p(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  get mdevBusClass(): string { return this.p('sys/class/mdev_bus'); }
  get mdevDevices(): string { return this.p('sys/bus/mdev/devices'); }
  get etcDir(): string { return this.p('etc/virt-mdev'); }
  get runDir(): string { return this.p('run/virt-mdev'); }
  get logDir(): string { return this.p('var/log/virt-mdev'); }
  /** node_exporter's textfile collector directory (the default of Debian's prometheus-node-exporter) */
  get textfileDir(): string { return this.p('var/lib/prometheus/node-exporter'); }
  /** libvirt's status XML of running qemu domains (never ask libvirt itself from a hook) */
  get libvirtQemuRunDir(): string { return this.p('run/libvirt/qemu'); }

  /**
   * The root with symlinks resolved. Cross-process locks are keyed by it, so that two spellings of
   * one root (a symlink, a bind of the same path) still share one lock.
   */
  get realDir(): string {
    // resolved once: every lock, every sim-kernel write asks, and each answer is a readlink per component
    if (this.resolved !== undefined) return this.resolved;
    try {
      this.resolved = fs.realpathSync.native(this.dir);
      return this.resolved;
    } catch {
      return this.dir; // a root that vanished: the caller reports it
    }
  }

  private resolved?: string;
  private realTop?: string;

  /**
   * Whether a resolved path (no symlinks left in it) lies under the root. Always true for '/', so a
   * real host pays nothing; a simulated root is resolved once.
   */
  contains(real: string): boolean {
    if (this.dir === '/') return true;
    this.realTop ??= this.realDir;
    return this.realTop === '/' || real === this.realTop || real.startsWith(this.realTop + path.sep);
  }

  /** Where this root's cross-process lock files live (src/util/lock.ts). */
  get lockDir(): string {
    const real = this.realDir;
    return this.isSimulated ? path.join(real, SIM_LOCK_DIR) : path.join(real, 'run/virt-mdev/locks');
  }

  /** A simulated host carries a marker file at its top; the real '/' never counts as simulated. */
  get isSimulated(): boolean {
    if (this.dir === '/') return false;
    return fs.existsSync(path.join(this.dir, SIM_MARKER));
  }

  toString(): string { return this.dir; }
}

/** Root from --root, else VIRT_MDEV_ROOT, else '/'. A root that does not exist is a HOST error. */
export function resolveHostRoot(cliRoot?: string, env: NodeJS.ProcessEnv = process.env): HostRoot {
  const given = cliRoot ?? (env.VIRT_MDEV_ROOT && env.VIRT_MDEV_ROOT !== '' ? env.VIRT_MDEV_ROOT : undefined);
  const dir = given ?? '/';
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new VirtMdevError(ExitCode.HOST, 'no-root',
      `host root '${dir}' does not exist: pass an existing directory with --root or VIRT_MDEV_ROOT (create a simulated host with 'virt-mdev simulate init DIR')`);
  }
  if (!st.isDirectory()) {
    throw new VirtMdevError(ExitCode.HOST, 'no-root', `host root '${dir}' is not a directory`);
  }
  return new HostRoot(dir);
}
