// Shared by the autostart tests: a simulated host with a store copied from test/data/autostart/<case>,
// and what udev and a boot would do to it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { cliPath, repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { initSimHost } from '../../src/simhost/init.js';
import { putLink } from '../../src/simhost/layout.js';
import { PROFILES } from '../../src/simhost/profiles.js';

export interface Host {
  dir: string;
  cleanup: () => void;
}

export const dataDir = (c: string): string => path.join(repoRoot, 'test/data/autostart', c);

/** A simulated host with these profiles and, if given, the etc/ of test/data/autostart/<case>. */
export async function hostWith(profiles: string[], dataCase?: string): Promise<Host> {
  const t = tempDir('virt-mdev-autostart-');
  await initSimHost(t.dir, profiles);
  if (dataCase) fs.cpSync(path.join(dataDir(dataCase), 'etc'), path.join(t.dir, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(t.dir, 'etc/mdevctl.d/scripts.d/callouts'), { recursive: true });
  fs.mkdirSync(path.join(t.dir, 'etc/mdevctl.d/scripts.d/notifiers'), { recursive: true });
  return t;
}

export function autostart(dir: string, args: string[] = [], timeoutMs?: number) {
  return virtMdev(['--root', dir, 'autostart', ...args], { timeoutMs });
}

/** autostart as a running process, for tests that act on the host while it waits */
export function autostartLive(dir: string, args: string[] = []) {
  return execa(process.execPath, [cliPath, '--root', dir, 'autostart', ...args], { reject: false, timeout: 60_000, stripFinalNewline: false });
}

/** resolves once the process has written this text to stderr */
export function stderrSays(p: ReturnType<typeof autostartLive>, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => {
    p.stderr.on('data', (b: Buffer) => {
      seen += String(b);
      if (seen.includes(text)) resolve();
    });
  });
}

export interface Dev { uuid: string; parent: string; type: string }

export function devices(dir: string): Dev[] {
  return openMdevBus(new HostRoot(dir)).listDevices().map((d) => ({ uuid: d.uuid, parent: d.parent, type: d.typeId }));
}

/** A reboot as the kernel sees it: every child device gone, run/ cleared, etc/ kept. */
export async function reboot(dir: string): Promise<void> {
  const bus = openMdevBus(new HostRoot(dir));
  for (const d of bus.listDevices()) await bus.remove(d.uuid);
  fs.rmSync(path.join(dir, 'run'), { recursive: true, force: true });
}

/** The parent's driver unregisters from the mdev core: its children go, then its class link. */
export async function unplug(dir: string, parent: string): Promise<void> {
  const bus = openMdevBus(new HostRoot(dir));
  for (const d of bus.listDevices()) if (d.parent === parent) await bus.remove(d.uuid);
  fs.unlinkSync(path.join(dir, 'sys/class/mdev_bus', parent));
}

/** The parent registers again (MDEV_STATE=registered): its class link comes back. */
export function plug(dir: string, parent: string): void {
  const p = PROFILES.flatMap((x) => x.parents).find((x) => x.name === parent);
  if (!p) throw new Error(`no profile has parent ${parent}`);
  putLink(dir, `sys/class/mdev_bus/${parent}`, p.path);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
