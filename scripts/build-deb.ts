// npm run deb: virt-mdev_VERSION_all.deb from a fresh build of the bundles (scripts/deb.ts), staged in
// a temporary directory that is removed afterwards.
//   node dist/scripts/build-deb.js [--out DIR]   (default DIR: <repo>/dist)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb } from './deb.js';

/** this file runs as <repo>/dist/scripts/build-deb.js */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const at = args.indexOf('--out');
const outDir = path.resolve(at >= 0 && args[at + 1] ? args[at + 1] : path.join(repoRoot, 'dist'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-deb-'));
try {
  const { file } = await buildDeb(repoRoot, path.join(tmp, 'root'), outDir);
  process.stdout.write(`${file}\n`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
