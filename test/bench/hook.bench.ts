// Hook cost as libvirt pays it, measured in one run against two references: `node -e 0` (the floor
// for anything written in Node) and a minimal bash hook that greps its stdin (what hand-written hooks
// cost). Most domains have no mdev, so that case should cost about what the bash hook costs.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initSimHost } from '../../src/simhost/init.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HOOK = path.join(repo, 'hooks/qemu');
const MAIN = path.join(repo, 'dist/app/hook.mjs');
const CLI = path.join(repo, 'dist/app/virt-mdev.mjs');
const ENV: Record<string, string> = {
  LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/',
  ...(['/usr/bin/node', '/usr/local/bin/node'].includes(process.execPath) ? {} : { VIRT_MDEV_NODE: process.execPath }),
};

function timeOnce(cmd: string, args: string[], input: string, env: Record<string, string>): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input, env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}: ${String(r.stderr)}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function domain(name: string, managed: Array<{ uuid: string; type?: string; pool?: string }>): string {
  const request = (m: { type?: string; pool?: string }): string => (m.pool ? `pool='${m.pool}'` : `type='${m.type ?? ''}'`);
  const meta = managed.length ? `  <metadata>\n    <virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'>\n${managed.map((m) => `      <virt-mdev:device uuid='${m.uuid}' ${request(m)}/>\n`).join('')}    </virt-mdev:mdev>\n  </metadata>\n` : '';
  const hostdevs = managed.map((m) => `    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'>\n      <source>\n        <address uuid='${m.uuid}'/>\n      </source>\n    </hostdev>\n`).join('');
  // a realistic live definition: a few KiB of devices ahead of the hostdevs
  const filler = Array.from({ length: 12 }, (_, i) => `    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/${name}-${i}.qcow2'/>\n      <target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/>\n    </disk>\n`).join('');
  return `<domain type='kvm' id='7'>\n  <name>${name}</name>\n  <uuid>${crypto.randomUUID()}</uuid>\n${meta}  <memory unit='KiB'>4194304</memory>\n  <vcpu placement='static'>4</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n${filler}${hostdevs}    <interface type='network'><source network='default'/><model type='virtio'/></interface>\n  </devices>\n</domain>\n`;
}

/** every module URL the hook's node process resolves during one prepare + release */
function loadedModules(root: string, xml: string, dir: string): string[] {
  const record = path.join(dir, 'loaded.txt');
  fs.writeFileSync(path.join(dir, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nlet f;\nexport function initialize(d) { f = d.file; }\nexport async function resolve(s, c, n) { const r = await n(s, c); appendFileSync(f, r.url + '\\n'); return r; }\n");
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('file://${path.join(dir, 'hooks.mjs')}', { data: { file: ${JSON.stringify(record)} } });\n`);
  for (const [op, sub] of [['prepare', 'begin'], ['release', 'end']]) {
    const r = spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), MAIN, 'bench', op, sub, '-'], { input: xml, env: { ...ENV, VIRT_MDEV_ROOT: root } });
    if (r.status !== 0) throw new Error(`hook ${op} failed: ${String(r.stderr)}`);
  }
  return [...new Set(fs.readFileSync(record, 'utf8').trim().split('\n'))];
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-bench-'));
  try {
    const root = path.join(dir, 'host');
    await initSimHost(root, ['mtty']);
    const env = { ...ENV, VIRT_MDEV_ROOT: root };
    const bashHook = path.join(dir, 'bash-hook');
    fs.writeFileSync(bashHook, "#!/bin/bash\n# what a hand-written hook does: look at the XML, act only on mdev domains\nif grep -q \"type='mdev'\"; then\n  : create or remove here\nfi\nexit 0\n", { mode: 0o755 });
    const plain = domain('plain', []);
    const four = Array.from({ length: 4 }, (_, i) => ({ uuid: crypto.randomUUID(), type: i % 2 ? 'mtty-1' : 'mtty-2' }));
    const withMdev = domain('bench', four);
    // a pool of 4 mtty-2 next to the four managed devices (mtty has 24 ports: 8 + 6 fit)
    const poolFile = path.join(dir, 'pool.xml');
    fs.writeFileSync(poolFile, "<mdevpool>\n  <name>bench</name>\n  <type id='mtty-2'/>\n  <size>4</size>\n</mdevpool>\n");
    for (const args of [['pool-define', poolFile], ['pool-start', 'bench']]) timeOnce(process.execPath, [CLI, '--root', root, ...args], '', {});
    const fromPool = domain('drawer', Array.from({ length: 4 }, () => ({ uuid: crypto.randomUUID(), pool: 'bench' })));
    const N = Number(process.env.BENCH_RUNS ?? 21);
    const M = Math.max(5, Math.round(N / 3));

    const nodeE0: number[] = [], bash: number[] = [], noMdev: number[] = [], noMdevRelease: number[] = [], prep: number[] = [], rel: number[] = [];
    const draw: number[] = [], back: number[] = [];
    for (let i = 0; i < N; i++) {
      // interleaved, so that drift in machine load hits every series alike
      nodeE0.push(timeOnce(process.execPath, ['-e', '0'], '', ENV));
      bash.push(timeOnce(bashHook, ['plain', 'prepare', 'begin', '-'], plain, ENV));
      noMdev.push(timeOnce(HOOK, ['plain', 'prepare', 'begin', '-'], plain, env));
      noMdevRelease.push(timeOnce(HOOK, ['plain', 'release', 'end', '-'], plain, env));
    }
    for (let i = 0; i < M; i++) {
      prep.push(timeOnce(HOOK, ['bench', 'prepare', 'begin', '-'], withMdev, env));
      rel.push(timeOnce(HOOK, ['bench', 'release', 'end', '-'], withMdev, env));
      draw.push(timeOnce(HOOK, ['drawer', 'prepare', 'begin', '-'], fromPool, env));
      back.push(timeOnce(HOOK, ['drawer', 'release', 'end', '-'], fromPool, env));
    }
    const mNode = median(nodeE0), mBash = median(bash);
    const row = (label: string, xs: number[]): string => {
      const m = median(xs);
      return `${label.padEnd(44)} ${m.toFixed(1).padStart(8)} ms   ×${(m / mNode).toFixed(2).padStart(6)} node -e 0   ×${(m / mBash).toFixed(2).padStart(6)} bash hook`;
    };
    process.stdout.write(`median of ${N} runs (${M} for the four-mdev prepares/releases), hook run as libvirt runs it:\n`);
    process.stdout.write(row('node -e 0', nodeE0) + '\n');
    process.stdout.write(row('minimal bash hook (grep on stdin)', bash) + '\n');
    process.stdout.write(row('hooks/qemu prepare, domain without mdev', noMdev) + '\n');
    process.stdout.write(row('hooks/qemu release, domain without mdev', noMdevRelease) + '\n');
    process.stdout.write(row('hooks/qemu prepare, 4 managed mdevs', prep) + '\n');
    process.stdout.write(row('hooks/qemu release, 4 managed mdevs', rel) + '\n');
    process.stdout.write(row('  prepare + release, 4 managed mdevs', prep.map((p, i) => p + rel[i])) + '\n');
    process.stdout.write(row('hooks/qemu prepare, 4 drawn from a pool', draw) + '\n');
    process.stdout.write(row('hooks/qemu release, 4 returned to the pool', back) + '\n');

    const urls = loadedModules(root, withMdev, dir);
    const pkgs = [...new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/')[1].split('/')[0]))].sort();
    const bad = urls.filter((u) => /libxml2-wasm|@xmldom|\/xpath\/|\/execa\/|\/commander\/|\.wasm/.test(u));
    process.stdout.write(`hot path (prepare + release, 4 mdevs): ${urls.filter((u) => u.startsWith('file:')).length} modules, packages: ${pkgs.join(', ') || 'none'}; `
      + `wasm/xmldom/execa/commander: ${bad.length === 0 ? 'none loaded' : `LOADED ${bad.join(', ')}`}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
