// What an installed host runs, found the way an installation finds it: the CLI through package.json's
// `bin`, the hook through hooks/qemu (which locates its own code). Nothing here names dist/ paths, so
// the bench measures whatever build layout (plain tsc output or bundles) the package ships.
// BENCH_REPO=DIR measures another checkout (e.g. main, for before/after numbers).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Installed {
  repo: string;
  /** the CLI's entry script, from package.json bin['virt-mdev'] */
  cli: string;
  /** the libvirt qemu hook script */
  hook: string;
}

export function installed(): Installed {
  const repo = path.resolve(process.env.BENCH_REPO ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../../..'));
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['virt-mdev'];
  if (!bin) throw new Error(`${repo}/package.json has no bin 'virt-mdev'`);
  const out = { repo, cli: path.resolve(repo, bin), hook: path.join(repo, 'hooks/qemu') };
  for (const f of [out.cli, out.hook]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: build ${repo} first (npm run build)`);
  return out;
}

/** The environment libvirt gives a hook, plus where node is when it is not where the hook looks. */
export function hookEnv(root: string): Record<string, string> {
  return {
    LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/', VIRT_MDEV_ROOT: root,
    ...(['/usr/bin/node', '/usr/local/bin/node'].includes(process.execPath) ? {} : { VIRT_MDEV_NODE: process.execPath }),
  };
}
