// Conformance of the simulated host with the real kernel: one scripted scenario of writes to the mdev
// sysfs ABI (creates until full, duplicates, malformed input, removes, re-create), run once on the real
// sysfs of the guest ('/') and once on a fresh simulated mtty host, through the same code path
// (sysfsWrite: a real write on '/', our kernel emulation on a simulated root). After every step it
// records the errno (or OK), the mdev-relevant sysfs layout and every type's available_instances, then
// compares real and simulated step by step. Run inside the real-stack guest by guest/conformance.sh:
//   node dist/test/real/conformance.js --out DIR
// Writes DIR/conformance.tap (one line per step) and DIR/conformance-{real,sim}.json (the records).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostRoot } from '../../src/host/root.js';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { initSimHost } from '../../src/simhost/init.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(repoRoot, 'dist/app/virt-mdev.mjs');

// ---- the scenario --------------------------------------------------------------------------------
const P = 'mtty';
const u = (n: number): string => `0c8a1f3e-5b7d-4e2a-9c61-3f0d2e8b${String(n).padStart(4, '0')}`;
const create = (type: string): string => `/sys/class/mdev_bus/${P}/mdev_supported_types/${type}/create`;
const remove = (uuid: string): string => `/sys/bus/mdev/devices/${uuid}/remove`;

interface Step {
  name: string;
  /** host-absolute path written, undefined for a pure listing */
  path?: string;
  data?: string;
  /** what the real kernel answers (recipe §8): 'OK' or the errno code; checked so the scenario means what it says */
  expect: string;
}

function scenario(): Step[] {
  const s: Step[] = [];
  const add = (name: string, p: string | undefined, data: string | undefined, expect: string): void => {
    s.push({ name, path: p, data, expect });
  };
  add('list (initial layout)', undefined, undefined, 'OK');
  add(`create mtty-1 ${u(1)}`, create('mtty-1'), u(1), 'OK');
  add(`create mtty-2 ${u(2)}`, create('mtty-2'), u(2), 'OK');
  add('duplicate UUID on the other type (mtty-2)', create('mtty-2'), u(1), 'EEXIST');
  add('duplicate UUID on the same type (mtty-1)', create('mtty-1'), u(1), 'EEXIST');
  add("malformed UUID 'not-a-uuid'", create('mtty-1'), 'not-a-uuid', 'EINVAL');
  add('upper-case UUID (appears lower-cased)', create('mtty-1'), u(3).toUpperCase(), 'OK');
  add('upper-case duplicate of an existing UUID', create('mtty-1'), u(1).toUpperCase(), 'EEXIST');
  add("UUID + '\\n' (as echo writes it)", create('mtty-2'), u(4) + '\n', 'OK');
  add("UUID + '\\n\\n'", create('mtty-1'), u(5) + '\n\n', 'EINVAL');
  add('zero-length write to create', create('mtty-1'), '', 'OK');
  add('create on a type that does not exist (mtty-3)', create('mtty-3'), u(5), 'ENOENT');
  // 6 of 24 ports used: mtty-2 has 9 left
  for (let i = 6; i <= 14; i++) add(`fill mtty-2: create ${u(i)}`, create('mtty-2'), u(i), 'OK');
  add('mtty-2 full: create', create('mtty-2'), u(15), 'ENOSPC');
  add('mtty-1 full too (shared budget): create', create('mtty-1'), u(15), 'ENOSPC');
  add('duplicate UUID while full', create('mtty-1'), u(2), 'EEXIST');
  add(`remove ${u(6)} (mtty-2)`, remove(u(6)), '1', 'OK');
  add(`fill mtty-1: create ${u(15)}`, create('mtty-1'), u(15), 'OK');
  add(`fill mtty-1: create ${u(16)}`, create('mtty-1'), u(16), 'OK');
  add('mtty-1 full: create', create('mtty-1'), u(17), 'ENOSPC');
  add(`remove ${u(6)} again`, remove(u(6)), '1', 'ENOENT');
  add(`'0' to remove of ${u(7)} (no-op)`, remove(u(7)), '0', 'OK');
  add(`'abc' to remove of ${u(7)}`, remove(u(7)), 'abc', 'EINVAL');
  add('zero-length write to remove', remove(u(7)), '', 'OK');
  add(`remove ${u(15)} (mtty-1)`, remove(u(15)), '1', 'OK');
  add(`remove ${u(16)} (mtty-1)`, remove(u(16)), '1', 'OK');
  add(`re-create removed UUID ${u(6)} as mtty-1`, create('mtty-1'), u(6), 'OK');
  add(`remove ${u(6)}`, remove(u(6)), '1', 'OK');
  add(`re-create removed UUID ${u(6)} as mtty-2`, create('mtty-2'), u(6), 'OK');
  // clean up so that the CLI scenario after this one starts from an empty bus
  for (const n of [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14]) add(`clean up: remove ${u(n)}`, remove(u(n)), '1', 'OK');
  add('list (final layout = initial)', undefined, undefined, 'OK');
  return s;
}

// ---- what one step records ----------------------------------------------------------------------
type Layout = Record<string, string>;

function ls(abs: string): string[] {
  try { return fs.readdirSync(abs).sort(); } catch { return []; }
}
function link(abs: string): string | undefined {
  try { return fs.readlinkSync(abs); } catch { return undefined; }
}
function kind(abs: string): string {
  let st: fs.Stats;
  try { st = fs.lstatSync(abs); } catch { return 'absent'; }
  if (st.isSymbolicLink()) return `-> ${fs.readlinkSync(abs)}`;
  if (st.isDirectory()) return 'dir';
  return `file ${(st.mode & 0o777).toString(8)}`;
}
function read(abs: string): string {
  try { return fs.readFileSync(abs, 'utf8').replace(/\n$/, ''); } catch (e) { return `<${(e as NodeJS.ErrnoException).code}>`; }
}

/** File content for readable attributes only: a write-only sysfs file cannot be read even by root. */
function attr(abs: string): string {
  let st: fs.Stats;
  try { st = fs.lstatSync(abs); } catch { return 'absent'; }
  if (!st.isFile() || (st.mode & 0o444) === 0) return kind(abs);
  return `${kind(abs)} ${JSON.stringify(read(abs))}`;
}

/**
 * A device-owned subtree (the mdev's directory, its vfio-dev node, its VFIO group device): every entry
 * with its kind, link target as readlink gives it and, for readable files, the content. `power/` is the
 * driver core's runtime-PM directory, the same for every device and not part of the mdev ABI: only its
 * presence is recorded.
 */
function walk(rootDir: string, rel: string, label: string, put: (k: string, v: string) => void, depth = 3): void {
  for (const e of ls(path.join(rootDir, rel))) {
    const r = `${rel}/${e}`;
    const abs = path.join(rootDir, r);
    const k = `${label}/${e}`;
    let st: fs.Stats;
    try { st = fs.lstatSync(abs); } catch { continue; }
    if (st.isDirectory()) {
      put(k, 'dir');
      if (e !== 'power' && depth > 1) walk(rootDir, r, k, put, depth - 1);
    } else {
      put(k, attr(abs));
    }
  }
}

/** The mdev-relevant part of sysfs under a root, as root-relative keys; link targets exactly as readlink gives them. */
function layout(rootDir: string): Layout {
  const r = (rel: string): string => path.join(rootDir, rel);
  const out: Layout = {};
  const put = (rel: string, v: string): void => { out[rel] = v; };
  // parents
  for (const p of ls(r('sys/class/mdev_bus'))) {
    put(`sys/class/mdev_bus/${p}`, kind(r(`sys/class/mdev_bus/${p}`)));
    const pdir = path.posix.join('sys/class/mdev_bus', link(r(`sys/class/mdev_bus/${p}`)) ?? '');
    put(`<parent ${p}> entries`, ls(r(pdir)).join(' '));
    for (const t of ls(r(`${pdir}/mdev_supported_types`))) {
      const td = `${pdir}/mdev_supported_types/${t}`;
      put(`<parent ${p}> type ${t} files`, ls(r(td)).map((f) => `${f}:${kind(r(`${td}/${f}`))}`).join(' '));
      for (const f of ['name', 'description', 'device_api', 'available_instances']) {
        if (fs.existsSync(r(`${td}/${f}`))) put(`<parent ${p}> type ${t} ${f}`, read(r(`${td}/${f}`)));
      }
      for (const d of ls(r(`${td}/devices`))) put(`<parent ${p}> type ${t} devices/${d}`, kind(r(`${td}/devices/${d}`)));
    }
  }
  // devices: the whole device directory, its IOMMU group and VFIO nodes
  const groups = new Set<string>();
  const drivers = new Set<string>();
  for (const d of ls(r('sys/bus/mdev/devices'))) {
    const l = `sys/bus/mdev/devices/${d}`;
    put(l, kind(r(l)));
    walk(rootDir, l, `<device ${d}>`, put);
    const g = link(r(`${l}/iommu_group`));
    if (g) groups.add(path.basename(g));
    const drv = link(r(`${l}/driver`));
    if (drv) drivers.add(path.basename(drv));
  }
  for (const g of [...groups].sort()) {
    const gd = `sys/kernel/iommu_groups/${g}`;
    put(`${gd} entries`, ls(r(gd)).join(' '));
    for (const f of ['name', 'type']) put(`${gd}/${f}`, attr(r(`${gd}/${f}`)));
    for (const d of ls(r(`${gd}/devices`))) put(`${gd}/devices/${d}`, kind(r(`${gd}/devices/${d}`)));
  }
  for (const c of ['sys/class/vfio', 'sys/class/vfio-dev']) {
    for (const e of ls(r(c))) {
      if (e === 'vfio') continue; // the container device /dev/vfio/vfio exists with or without mdevs
      put(`${c}/${e}`, kind(r(`${c}/${e}`)));
      if (c === 'sys/class/vfio') {
        const gd = path.posix.join(c, link(r(`${c}/${e}`)) ?? '');
        for (const f of ['dev', 'subsystem']) put(`${c}/${e} -> ${f}`, attr(r(`${gd}/${f}`)));
      }
    }
  }
  for (const drv of [...drivers].sort()) {
    for (const d of ls(r(`sys/bus/mdev/drivers/${drv}`))) {
      if (/^[0-9a-f]{8}-/.test(d)) put(`sys/bus/mdev/drivers/${drv}/${d}`, kind(r(`sys/bus/mdev/drivers/${drv}/${d}`)));
    }
  }
  return out;
}

interface Record1 {
  step: string;
  result: string;
  layout: Layout;
}

function errnoOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.code !== 'UNKNOWN') return `${err.code}@${err.syscall ?? '?'}`;
  if (err && typeof err.errno === 'number') return `errno ${Math.abs(err.errno)}@${err.syscall ?? '?'}`;
  return `thrown: ${String(e)}`;
}

async function runOn(root: HostRoot, steps: Step[]): Promise<Record1[]> {
  const out: Record1[] = [];
  for (const st of steps) {
    let result = 'OK';
    if (st.path !== undefined) {
      try {
        await sysfsWrite(root, st.path, st.data ?? '');
      } catch (e) {
        result = errnoOf(e);
      }
    }
    out.push({ step: st.name, result, layout: layout(root.dir) });
  }
  return out;
}

function diff(a: Layout, b: Layout): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const d: string[] = [];
  for (const k of keys) if (a[k] !== b[k]) d.push(`${k}: real=${JSON.stringify(a[k] ?? null)} sim=${JSON.stringify(b[k] ?? null)}`);
  return d;
}

/** Collapse differences that only differ in UUIDs or numbers (one per device or group) into one line with a count. */
function summarise(lines: string[]): string[] {
  const kinds = new Map<string, { first: string; n: number }>();
  for (const l of lines) {
    const k = l.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/\d+/g, 'N');
    const e = kinds.get(k);
    if (e) e.n++;
    else kinds.set(k, { first: l, n: 1 });
  }
  return [...kinds.values()].map((e) => (e.n > 1 ? `${e.first} (and ${e.n - 1} more like it)` : e.first));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outDir = args[args.indexOf('--out') + 1] ?? '.';
  const simDir = args.includes('--sim') ? args[args.indexOf('--sim') + 1] : fs.mkdtempSync('/tmp/virt-mdev-conformance-');
  const tapFile = path.join(outDir, 'conformance.tap');
  const lines: string[] = [];
  const tap = (ok: boolean, name: string, why?: string): void => {
    lines.push(`${ok ? 'ok' : 'not ok'} - ${name}${!ok && why ? ` # ${why.replace(/\n/g, ' | ')}` : ''}`);
  };

  const steps = scenario();
  const real = await runOn(new HostRoot('/'), steps);
  fs.writeFileSync(path.join(outDir, 'conformance-real.json'), JSON.stringify(real, null, 1));

  let sim: Record1[] | undefined;
  let simError = '';
  try {
    fs.rmSync(simDir, { recursive: true, force: true });
    try {
      execFileSync(process.execPath, [cli, 'simulate', 'init', simDir, '--profile', 'mtty'], { stdio: ['ignore', 'pipe', 'pipe'] });
      tap(true, "conformance: 'virt-mdev simulate init DIR --profile mtty' made the simulated host");
    } catch (e) {
      const err = e as { stderr?: Buffer; message?: string };
      tap(false, "conformance: 'virt-mdev simulate init DIR --profile mtty' made the simulated host",
        `${err.stderr ? err.stderr.toString().trim() : err.message} (comparing against initSimHost() instead)`);
      fs.rmSync(simDir, { recursive: true, force: true });
      await initSimHost(simDir, ['mtty']);
    }
    sim = await runOn(new HostRoot(simDir), steps);
    fs.writeFileSync(path.join(outDir, 'conformance-sim.json'), JSON.stringify(sim, null, 1));
  } catch (e) {
    const err = e as { stderr?: Buffer; message?: string };
    simError = `simulated host failed: ${err.stderr ? err.stderr.toString().trim() : err.message}`;
  }

  steps.forEach((st, i) => {
    const n = String(i + 1).padStart(2, '0');
    const rr = real[i]!;
    const name = `conformance ${n}: ${st.name} → ${rr.result}`;
    const realOk = rr.result === st.expect || rr.result.startsWith(`${st.expect}@`);
    if (!realOk) {
      tap(false, name, `the real kernel answered ${rr.result}, the scenario expects ${st.expect}: fix the scenario`);
      return;
    }
    if (!sim) { tap(false, name, simError); return; }
    const sr = sim[i]!;
    const problems: string[] = [];
    if (sr.result !== rr.result) problems.push(`result: real=${rr.result} sim=${sr.result}`);
    problems.push(...summarise(diff(rr.layout, sr.layout)));
    if (problems.length === 0) tap(true, `${name} (real = simulated)`);
    else tap(false, name, `difference(s): ${problems.slice(0, 6).join('; ')}${problems.length > 6 ? '; …' : ''}`);
  });
  const first = real[0]!.layout;
  const last = real[real.length - 1]!.layout;
  const d = diff(first, last);
  tap(d.length === 0, 'conformance: the real bus is back to its initial layout after the scenario', d.slice(0, 4).join('; '));
  fs.writeFileSync(tapFile, lines.join('\n') + '\n');
}

await main();
