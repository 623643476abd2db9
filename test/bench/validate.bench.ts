// validate as editors and pre-commit hooks run it: one file per process, next to `node -e 0` (and to
// libvirt's virt-xml-validate, native, when installed); and 1,000 domain files in ONE run (schemas
// compiled once) against a loop of `virt-xml-validate FILE domain` (xmllint recompiles domain.rng for
// every file), or `xmllint --relaxng domain.rng` when virt-xml-validate is missing. To keep the bench
// short the loop is timed over SAMPLE files in each round and scaled to 1,000. The one-file row runs
// as a pre-commit hook does, with the compiled-schema cache a first run leaves; a second row shows the
// same without it (VIRT_MDEV_SCHEMA_CACHE=off), what a first run or an unwritable cache costs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installed } from './install.js';
import { benchEnv, ratioRow, timeProcess, type BenchReport, type Row } from './table.js';

const FILES = 1000;
const SAMPLE = 50;
const LIBVIRT_DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function hexUuid(i: number): string {
  return `53764d0e-85a0-42b4-af5c-${i.toString(16).padStart(12, '0')}`;
}

export async function run(): Promise<BenchReport> {
  const { repo, cli } = installed();
  const template = fs.readFileSync(path.join(repo, 'samples/domains/validate/valid/libvirt-dumpxml.xml'), 'utf8');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-bench-validate-'));
  try {
    const files: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const f = path.join(dir, `dom${String(i).padStart(4, '0')}.xml`);
      fs.writeFileSync(f, template.replace(/53764d0e-85a0-42b4-af5c-2046b460b1d([cd])/g, (_m, c: string) => hexUuid(i * 2 + (c === 'c' ? 0 : 1)))
        .replace('<name>vgpu-desktop</name>', `<name>vgpu-${i}</name>`));
      files.push(f);
    }
    const libvirt = fs.existsSync(LIBVIRT_DOMAIN_RNG);
    const mode = libvirt ? [] : ['--no-libvirt'];
    const validate = (args: string[], env?: NodeJS.ProcessEnv): number => timeProcess(process.execPath, [cli, 'validate', '-q', ...mode, ...args], { env });
    const noCache = { ...benchEnv(), VIRT_MDEV_SCHEMA_CACHE: 'off' };
    const vxv = which('virt-xml-validate');
    const xmllint = which('xmllint');
    const perFile = vxv ? (f: string): number => timeProcess(vxv, [f, 'domain'])
      : xmllint && libvirt ? (f: string): number => timeProcess(xmllint, ['--noout', '--nonet', '--relaxng', LIBVIRT_DOMAIN_RNG, f])
        : undefined;
    validate([files[0]!]); // warm the file cache
    const N = Math.max(5, Math.round(Number(process.env.BENCH_RUNS ?? 21) / 2));
    const s = { node: [] as number[], one: [] as number[], cold: [] as number[], native: [] as number[] };
    for (let i = 0; i < N; i++) {
      s.node.push(timeProcess(process.execPath, ['-e', '0']));
      s.one.push(validate([files[i % FILES]!]));
      s.cold.push(validate([files[i % FILES]!], noCache));
      if (perFile) s.native.push(perFile(files[i % FILES]!));
    }
    const R = Math.max(3, Math.round(N / 3));
    const all: number[] = [], loop: number[] = [];
    for (let r = 0; r < R; r++) {
      all.push(validate(files));
      if (perFile) {
        let ms = 0;
        for (const f of files.slice(r * SAMPLE, (r + 1) * SAMPLE)) ms += perFile(f);
        loop.push((ms / SAMPLE) * FILES);
      }
    }
    const tool = vxv ? 'virt-xml-validate' : 'xmllint';
    const rows: Row[] = [
      ratioRow(`validate one file${libvirt ? '' : ' --no-libvirt'}`, 'node -e 0', s.one, s.node, { goal: { op: '<=', value: 2.5 } }),
      ratioRow(`validate one file${libvirt ? '' : ' --no-libvirt'}, no schema cache`, 'node -e 0', s.cold, s.node),
    ];
    const notes = [`validate ${FILES} files in one run: median ${(all.slice().sort((a, b) => a - b)[all.length >> 1]! / FILES).toFixed(2)} ms/file`];
    if (perFile) {
      rows.push(ratioRow(`${tool} one file (native)`, 'node -e 0', s.native, s.node));
      rows.push(ratioRow(`validate ${FILES} files in one call, × faster`, `${FILES} × ${tool}`, all, loop, { goal: { op: '>=', value: 25 }, faster: true }));
      notes.push(`the ${tool} loop is timed over ${SAMPLE} files per round and scaled to ${FILES}`);
    } else notes.push('neither virt-xml-validate nor xmllint with libvirt schemas is installed: no comparison');
    return { rows, notes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
