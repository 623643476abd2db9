// Shared by the autostart tests: a simulated host with a store copied from test/data/autostart/<case>,
// and what udev and a boot would do to it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { cliPath, repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { initSimHost } from '../../src/simhost/init.js';

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

async function simulate(args: string[]): Promise<void> {
  const r = await virtMdev(['simulate', ...args]);
  if (r.exitCode !== 0) throw new Error(`simulate ${args.join(' ')} failed: ${String(r.stderr)}`);
}

/** A reboot: every mdev gone, run/ cleared, etc/ (the store) kept. */
export const reboot = (dir: string): Promise<void> => simulate(['reboot', dir]);
/** The parent's driver unregisters from the mdev core (its children go with it). */
export const unplug = (dir: string, parent: string): Promise<void> => simulate(['unplug', dir, parent]);
/** The parent registers again; with typesAfter, its types are offered only that many seconds later. */
export const plug = (dir: string, parent: string, typesAfter?: number): Promise<void> =>
  simulate(['plug', dir, parent, ...(typesAfter === undefined ? [] : ['--types-after', String(typesAfter)])]);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
