// The one table `npm run bench` prints: every row is a ratio measured over interleaved runs in one
// invocation (so drift in machine load hits both sides alike), reported as its median and min–max,
// with the goal from issue 11 and whether the median meets it. `--json` prints the same for machines.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';

export interface Goal {
  op: '<=' | '>=';
  value: number;
}

export interface Row {
  what: string;
  /** what the ratio is relative to, e.g. 'node -e 0', 'bash hook' */
  versus: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  /** the measured side's median in its own unit, for the reader (e.g. '31.2 ms') */
  absolute?: string;
  goal?: Goal;
  met?: boolean;
}

export interface BenchReport {
  rows: Row[];
  notes: string[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A row from paired samples: ratio i = measured[i] / reference[i] (or the inverse with `faster`). */
export function ratioRow(what: string, versus: string, measured: number[], reference: number[],
  o: { goal?: Goal; unit?: string; faster?: boolean } = {}): Row {
  if (measured.length !== reference.length || measured.length === 0) throw new Error(`${what}: unpaired samples`);
  const ratios = measured.map((m, i) => (o.faster ? reference[i]! / m : m / reference[i]!));
  const row: Row = {
    what, versus, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), runs: ratios.length,
    absolute: `${median(measured).toFixed(1)} ${o.unit ?? 'ms'}`,
  };
  if (o.goal) {
    row.goal = o.goal;
    row.met = o.goal.op === '<=' ? row.median <= o.goal.value : row.median >= o.goal.value;
  }
  return row;
}

/**
 * The caller's environment without NODE_* variables: NODE_EXTRA_CA_CERTS alone makes every Node
 * start load a certificate bundle (on this kind of machine `node -e 0` goes from ~22 to ~60 ms),
 * which would flatter every ratio to `node -e 0`. An admin's shell and libvirt's hook environment
 * have none of them.
 */
export function benchEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_')));
}

/** NODE_* variables of the caller that benchEnv() leaves out, for the bench's notes */
export function strippedNodeVariables(): string[] {
  return Object.keys(process.env).filter((k) => k.startsWith('NODE_')).sort();
}

/** Wall-clock ms of one process run (in benchEnv() unless o.env says otherwise); throws when it fails. */
export function timeProcess(cmd: string, args: string[], o: SpawnSyncOptions = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...o, env: o.env ?? benchEnv() });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status ?? r.signal)}: ${String(r.stderr).slice(0, 1000)}`);
  return ms;
}

const GNU_TIME = '/usr/bin/time';

/** Peak resident set (KiB) of one process run and everything it waited for, via GNU time; undefined without it. */
export function peakRssKiB(cmd: string, args: string[], o: SpawnSyncOptions, scratch: string): number | undefined {
  if (!fs.existsSync(GNU_TIME)) return undefined;
  const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', scratch, cmd, ...args], { ...o, env: o.env ?? benchEnv() });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status ?? r.signal)}: ${String(r.stderr).slice(0, 1000)}`);
  const kib = Number(fs.readFileSync(scratch, 'utf8').trim().split('\n').pop());
  return Number.isFinite(kib) && kib > 0 ? kib : undefined;
}

function goalText(g: Goal | undefined): string {
  return g ? `${g.op === '<=' ? '≤' : '≥'} ${g.value}×` : '—';
}

export function formatTable(rows: Row[]): string {
  const head = ['what', 'versus', 'median', 'min–max', 'runs', 'measured', 'goal', 'met'];
  const body = rows.map((r) => [
    r.what, r.versus, `${r.median.toFixed(2)}×`, `${r.min.toFixed(2)}–${r.max.toFixed(2)}`, String(r.runs),
    r.absolute ?? '', goalText(r.goal), r.met === undefined ? '' : r.met ? 'met' : 'NOT MET',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
