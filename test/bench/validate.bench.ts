// validate: 1,000 domain files in ONE `virt-mdev validate` run (schemas compiled once) against
// 1,000 runs of `virt-xml-validate FILE domain` (libvirt's tool: xmllint recompiles domain.rng for
// every file), or `xmllint --relaxng domain.rng` when virt-xml-validate is missing. To keep the
// bench short the per-file tool is timed over SAMPLE runs and scaled to 1,000 (said in the output).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { cliPath, repoRoot, tempDir } from '../helpers/cli.js';

const FILES = 1000;
const SAMPLE = 100;
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
  const h = i.toString(16).padStart(12, '0');
  return `53764d0e-85a0-42b4-af5c-${h}`;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  const template = fs.readFileSync(path.join(repoRoot, 'samples/domains/validate/valid/libvirt-dumpxml.xml'), 'utf8');
  const { dir, cleanup } = tempDir('virt-mdev-bench-validate-');
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
    const one = async (args: string[]) => {
      const r = await execa(process.execPath, [cliPath, 'validate', '-q', ...mode, ...args], { reject: false });
      if (r.exitCode !== 0) throw new Error(`virt-mdev validate failed (${r.exitCode}): ${String(r.stdout).slice(0, 500)}${String(r.stderr).slice(0, 500)}`);
    };
    await one([files[0]!]); // warm the file cache and Node's compile cache
    const single = await timeMs(() => one([files[0]!]));
    const all = await timeMs(() => one(files));
    process.stdout.write(`virt-mdev validate${libvirt ? '' : ' --no-libvirt (libvirt schemas missing)'}: 1 file ${single.toFixed(0)} ms, ` +
      `${FILES} files in one run ${all.toFixed(0)} ms (${(all / FILES).toFixed(2)} ms/file; ${(all / single).toFixed(1)}x one file)\n`);

    const vxv = which('virt-xml-validate');
    const xmllint = which('xmllint');
    let label: string;
    let perFile: (f: string) => Promise<unknown>;
    if (vxv) {
      label = 'virt-xml-validate FILE domain';
      perFile = (f) => execa(vxv, [f, 'domain'], { reject: false });
    } else if (xmllint && libvirt) {
      label = `xmllint --relaxng ${LIBVIRT_DOMAIN_RNG}`;
      perFile = (f) => execa(xmllint, ['--noout', '--nonet', '--relaxng', LIBVIRT_DOMAIN_RNG, f], { reject: false });
    } else {
      process.stdout.write('neither virt-xml-validate nor xmllint with libvirt schemas is installed: no comparison\n');
      return;
    }
    const sampled = await timeMs(async () => {
      for (const f of files.slice(0, SAMPLE)) await perFile(f);
    });
    const scaled = (sampled / SAMPLE) * FILES;
    process.stdout.write(`${label}: ${SAMPLE} runs ${sampled.toFixed(0)} ms (${(sampled / SAMPLE).toFixed(1)} ms/run), ` +
      `scaled to ${FILES} runs ≈ ${(scaled / 1000).toFixed(1)} s\n`);
    process.stdout.write(`ratio: ${FILES} files, one virt-mdev run vs ${FILES} ${vxv ? 'virt-xml-validate' : 'xmllint'} runs = ` +
      `${(scaled / all).toFixed(1)}x faster\n`);
  } finally {
    cleanup();
  }
}
