// Shared by the install tests: a simulated host root to install into, optionally with a Debian 12
// mdevctl (its udev rule, and its binary where the package puts it or where the rule looks for it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { initSimHost } from '../../src/simhost/init.js';

export interface Root { dir: string; cleanup: () => void }

export async function root(mdevctl: 'none' | 'broken' | 'working' = 'none'): Promise<Root> {
  const t = tempDir('virt-mdev-install-');
  await initSimHost(t.dir, ['mtty']);
  if (mdevctl !== 'none') {
    fs.cpSync(path.join(repoRoot, 'test/data/install/debian12'), t.dir, { recursive: true });
    const bin = path.join(t.dir, mdevctl === 'working' ? 'usr/sbin/mdevctl' : 'usr/bin/mdevctl');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.writeFileSync(bin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return t;
}

export function cli(dir: string, args: string[]) {
  return virtMdev(['--root', dir, ...args]);
}

export const unitsDir = (dir: string): string => path.join(dir, 'etc/systemd/system');
export const rulesDir = (dir: string): string => path.join(dir, 'etc/udev/rules.d');
export const read = (file: string): string => fs.readFileSync(file, 'utf8');
