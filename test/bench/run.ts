// npm run bench: runs every dist/test/bench/*.bench.js; each exports run(): Promise<void> and prints its own report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs.readdirSync(here).filter((f) => f.endsWith('.bench.js')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
for (const f of files) {
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { run: () => Promise<void> };
  process.stdout.write(`\n== ${f.replace(/\.bench\.js$/, '')} ==\n`);
  await mod.run();
}
