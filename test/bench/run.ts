// npm run bench [-- --json] [-- NAME…]: runs every dist/test/bench/*.bench.js (each exports
// run(): Promise<BenchReport>) and prints one table of every row, then the notes; --json prints the
// same as one JSON document. BENCH_RUNS sets the number of interleaved runs (default 21),
// BENCH_REPO another checkout to measure (see install.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installed } from './install.js';
import { formatTable, strippedNodeVariables, type BenchReport, type Row } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.filter((a) => a !== '--json');
const files = fs.readdirSync(here).filter((f) => f.endsWith('.bench.js')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const rows: Row[] = [];
const notes: string[] = [];
for (const f of files) {
  const name = f.replace(/\.bench\.js$/, '');
  if (!json) process.stderr.write(`bench: ${name}…\n`);
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { run: () => Promise<BenchReport> };
  const r = await mod.run();
  rows.push(...r.rows);
  notes.push(...r.notes.map((n) => `${name}: ${n}`));
}
const stripped = strippedNodeVariables();
if (stripped.length > 0) notes.push(`every command ran without ${stripped.join(', ')} (set here; they add Node start-up work that an admin's shell and libvirt's hook environment do not have)`);
const machine = { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))), repo: installed().repo };
if (json) {
  process.stdout.write(JSON.stringify({ machine, rows, notes }, null, 2) + '\n');
} else {
  process.stdout.write(formatTable(rows));
  for (const n of notes) process.stdout.write(`  ${n}\n`);
  process.stdout.write(`  ${machine.node}, ${machine.cpus} CPUs, load ${machine.loadavg.join(' ')} (ratios to runs interleaved with them)\n`);
  const missed = rows.filter((r) => r.met === false).length;
  process.stdout.write(`  goals: ${rows.filter((r) => r.met).length} met, ${missed} not met\n`);
}
