// Shared by the simhost and mdevbus tests: a fresh simulated host per test, and sysfs-level readers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { initSimHost } from '../../src/simhost/init.js';
import type { HostRoot } from '../../src/host/root.js';

export async function freshHost(profiles: string[]): Promise<{ root: HostRoot; dir: string; cleanup: () => void }> {
  const t = tempDir('virt-mdev-sim-');
  const res = await initSimHost(path.join(t.dir, 'host'), profiles);
  return { root: res.root, dir: res.root.dir, cleanup: t.cleanup };
}

/** available_instances of a type, read through the class link as any tool would */
export function avail(dir: string, parent: string, type: string): number {
  return Number(fs.readFileSync(path.join(dir, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type, 'available_instances'), 'utf8').trim());
}

export function link(dir: string, rel: string): string {
  return fs.readlinkSync(path.join(dir, rel));
}

/** root-relative real path of rel (following every link), or undefined when it dangles */
export function resolves(dir: string, rel: string): string | undefined {
  try {
    return path.relative(fs.realpathSync(dir), fs.realpathSync(path.join(dir, rel)));
  } catch {
    return undefined;
  }
}

export const createPath = (parent: string, type: string): string => `/sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/create`;
export const removePath = (uuid: string): string => `/sys/bus/mdev/devices/${uuid}/remove`;

export function uuidN(n: number): string {
  return `6a1c0f3e-2b4d-4e8f-9a7b-${n.toString(16).padStart(12, '0')}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(25);
  }
  return cond();
}
