// Where schemas live. Ours ship inside the package (found from this module's own location, so the
// tool works from any cwd and from a global install); libvirt's come from the distribution.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageFile } from '../util/package-layout.js';

/** `<package>/schemas` */
export const ourSchemasDir = packageFile('schemas');

export const DEFAULT_LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas';

export const OUR_SCHEMA = {
  domain: 'domain-mdev.rng',
  hostdev: 'mdev-hostdev.rng',
  metadata: 'mdev-metadata.rng',
  /** written by the node-device area; may be absent in a partial checkout */
  nodedev: 'nodedev.rng',
  /** virt-mdev's own pool definitions (<mdevpool>); libvirt has no counterpart */
  pool: 'pool.rng',
} as const;

export const LIBVIRT_SCHEMA = {
  domain: 'domain.rng',
  nodedev: 'nodedev.rng',
} as const;

const ourPaths = new Map<string, string>();

/** (asked for every document: joined once) */
export function ourSchemaPath(name: string): string {
  let p = ourPaths.get(name);
  if (p === undefined) ourPaths.set(name, p = path.join(ourSchemasDir, name));
  return p;
}

export function fileExists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
