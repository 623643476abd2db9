// npm run build (after tsc): write the bundles of scripts/bundles.ts into a fresh dist/app.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundles, METAFILE } from './bundles.js';

/** this file runs as <repo>/dist/scripts/build-bundles.js */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = path.join(repoRoot, 'dist/app');

const { files, metafile } = await buildBundles(repoRoot);
// a fresh directory: no chunk of an earlier build is left for a stale import to find
fs.rmSync(appDir, { recursive: true, force: true });
for (const f of files) {
  const to = path.join(appDir, f.path);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, f.contents);
}
// `bin` of package.json (the launcher): npm links it, and a checkout can run either directly
for (const bin of ['virt-mdev.cjs', 'virt-mdev.mjs']) fs.chmodSync(path.join(appDir, bin), 0o755);
fs.writeFileSync(path.join(repoRoot, METAFILE), JSON.stringify(metafile, null, 1) + '\n');
