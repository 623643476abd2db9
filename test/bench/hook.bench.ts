// Hook cost as libvirt pays it, measured in one run against two references: `node -e 0` (the floor
// for anything written in Node) and a minimal bash hook that greps its stdin (what hand-written hooks
// cost). Most domains have no mdev, so that case should cost about what the bash hook costs.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initSimHost } from '../../src/simhost/init.js';
import { hookEnv, installed } from './install.js';
import { memoryDir, simHostScratch } from './memory-dir.js';
import { median, peakRssKiB, ratioRow, timeProcess, type BenchReport } from './table.js';

function domain(name: string, managed: Array<{ uuid: string; type?: string; pool?: string }>): string {
  const request = (m: { type?: string; pool?: string }): string => (m.pool ? `pool='${m.pool}'` : `type='${m.type ?? ''}'`);
  const meta = managed.length ? `  <metadata>\n    <virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'>\n${managed.map((m) => `      <virt-mdev:device uuid='${m.uuid}' ${request(m)}/>\n`).join('')}    </virt-mdev:mdev>\n  </metadata>\n` : '';
  const hostdevs = managed.map((m) => `    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'>\n      <source>\n        <address uuid='${m.uuid}'/>\n      </source>\n    </hostdev>\n`).join('');
  // a realistic live definition: a few KiB of devices ahead of the hostdevs
  const filler = Array.from({ length: 12 }, (_, i) => `    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/${name}-${i}.qcow2'/>\n      <target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/>\n    </disk>\n`).join('');
  return `<domain type='kvm' id='7'>\n  <name>${name}</name>\n  <uuid>${crypto.randomUUID()}</uuid>\n${meta}  <memory unit='KiB'>4194304</memory>\n  <vcpu placement='static'>4</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n${filler}${hostdevs}    <interface type='network'><source network='default'/><model type='virtio'/></interface>\n  </devices>\n</domain>\n`;
}

/** every module URL the hook's node process resolves during one prepare + release, run through hooks/qemu */
function loadedModules(hook: string, env: Record<string, string>, xml: string, dir: string): string[] {
  const record = path.join(dir, 'loaded.txt');
  fs.writeFileSync(path.join(dir, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nlet f;\nexport function initialize(d) { f = d.file; }\nexport async function resolve(s, c, n) { const r = await n(s, c); appendFileSync(f, r.url + '\\n'); return r; }\n");
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('file://${path.join(dir, 'hooks.mjs')}', { data: { file: ${JSON.stringify(record)} } });\n`);
  for (const [op, sub] of [['prepare', 'begin'], ['release', 'end']]) {
    timeProcess(hook, ['bench', op!, sub!, '-'], { input: xml, env: { ...env, NODE_OPTIONS: `--import ${path.join(dir, 'register.mjs')}` } });
  }
  return [...new Set(fs.readFileSync(record, 'utf8').trim().split('\n'))];
}

export async function run(): Promise<BenchReport> {
  const { cli, hook } = installed();
  const dir = simHostScratch('virt-mdev-bench-', 'memory');
  const diskDir = simHostScratch('virt-mdev-bench-disk-', 'disk');
  try {
    const root = path.join(dir, 'host');
    await initSimHost(root, ['mtty']);
    const env = hookEnv(root);
    const diskRoot = path.join(diskDir, 'host');
    await initSimHost(diskRoot, ['mtty']);
    const diskEnv = hookEnv(diskRoot);
    const plainEnv = { LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/' };
    const bashHook = path.join(dir, 'bash-hook');
    fs.writeFileSync(bashHook, "#!/bin/bash\n# what a hand-written hook does: look at the XML, act only on mdev domains\nif grep -q \"type='mdev'\"; then\n  : create or remove here\nfi\nexit 0\n", { mode: 0o755 });
    const plain = domain('plain', []);
    const four = Array.from({ length: 4 }, (_, i) => ({ uuid: crypto.randomUUID(), type: i % 2 ? 'mtty-1' : 'mtty-2' }));
    const withMdev = domain('bench', four);
    // a pool of 4 mtty-2 next to the four managed devices (mtty has 24 ports: 8 + 6 fit)
    const poolFile = path.join(dir, 'pool.xml');
    fs.writeFileSync(poolFile, "<mdevpool>\n  <name>bench</name>\n  <type id='mtty-2'/>\n  <size>4</size>\n</mdevpool>\n");
    for (const args of [['pool-define', poolFile], ['pool-start', 'bench']]) timeProcess(process.execPath, [cli, '--root', root, ...args]);
    const fromPool = domain('drawer', Array.from({ length: 4 }, () => ({ uuid: crypto.randomUUID(), pool: 'bench' })));
    const N = Number(process.env.BENCH_RUNS ?? 21);
    // the managed rows' goals sit close to what they measure, and one run's ratio here varies by ±25%:
    // 14 runs (default) keep the median within a few percent from one invocation to the next
    const M = Math.max(5, Math.round((N * 2) / 3));
    const node = (): number => timeProcess(process.execPath, ['-e', '0'], { env: plainEnv });
    const hookRun = (name: string, op: string, xml: string, e = env): number => timeProcess(hook, [name, op, op === 'prepare' ? 'begin' : 'end', '-'], { input: xml, env: e });

    const s = { bash: [] as number[], noMdev: [] as number[], noMdevRel: [] as number[], bash2: [] as number[] };
    for (let i = 0; i < N; i++) {
      s.bash.push(timeProcess(bashHook, ['plain', 'prepare', 'begin', '-'], { input: plain, env: plainEnv }));
      s.noMdev.push(hookRun('plain', 'prepare', plain));
      s.bash2.push(timeProcess(bashHook, ['plain', 'release', 'end', '-'], { input: plain, env: plainEnv }));
      s.noMdevRel.push(hookRun('plain', 'release', plain));
    }
    const m = { node: [] as number[], prep: [] as number[], rel: [] as number[], draw: [] as number[], back: [] as number[], diskPrep: [] as number[], diskRel: [] as number[] };
    const mem = { node: [] as number[], prep: [] as number[], rel: [] as number[] };
    const scratch = path.join(dir, 'rss.txt');
    for (let i = 0; i < M; i++) {
      // interleaved: each run's ratio is to the node -e 0 next to it
      m.node.push(node());
      m.prep.push(hookRun('bench', 'prepare', withMdev));
      m.rel.push(hookRun('bench', 'release', withMdev));
      m.draw.push(hookRun('drawer', 'prepare', fromPool));
      m.back.push(hookRun('drawer', 'release', fromPool));
      m.diskPrep.push(hookRun('bench', 'prepare', withMdev, diskEnv));
      m.diskRel.push(hookRun('bench', 'release', withMdev, diskEnv));
      const n = peakRssKiB(process.execPath, ['-e', '0'], { env: plainEnv }, scratch);
      const p = peakRssKiB(hook, ['bench', 'prepare', 'begin', '-'], { input: withMdev, env }, scratch);
      const r = peakRssKiB(hook, ['bench', 'release', 'end', '-'], { input: withMdev, env }, scratch);
      if (n !== undefined && p !== undefined && r !== undefined) {
        mem.node.push(n);
        mem.prep.push(p);
        mem.rel.push(r);
      }
    }
    const rows = [
      ratioRow('hook prepare, domain without mdev', 'bash hook', s.noMdev, s.bash, { goal: { op: '<=', value: 1.0 } }),
      ratioRow('hook release, domain without mdev', 'bash hook', s.noMdevRel, s.bash2, { goal: { op: '<=', value: 1.0 } }),
      ratioRow(`hook prepare, 4 managed mdevs (simulated host${memoryDir() ? ' in tmpfs' : ''})`, 'node -e 0', m.prep, m.node, { goal: { op: '<=', value: 2.0 } }),
      ratioRow('hook release, 4 managed mdevs', 'node -e 0', m.rel, m.node, { goal: { op: '<=', value: 2.0 } }),
      ratioRow('hook prepare, 4 managed mdevs, simulated host on disk', 'node -e 0', m.diskPrep, m.node),
      ratioRow('hook release, 4 managed mdevs, simulated host on disk', 'node -e 0', m.diskRel, m.node),
      ratioRow('hook prepare, 4 drawn from a pool', 'node -e 0', m.draw, m.node),
      ratioRow('hook release, 4 returned to the pool', 'node -e 0', m.back, m.node),
    ];
    const notes: string[] = [];
    if (mem.node.length > 0) {
      const peak = mem.prep.map((p, i) => Math.max(p, mem.rel[i]!));
      rows.push(ratioRow('hook peak memory (prepare/release, 4 mdevs)', 'node -e 0', peak.map((k) => k / 1024), mem.node.map((k) => k / 1024), { goal: { op: '<=', value: 1.25 }, unit: 'MiB' }));
      notes.push(`hook peak RSS ${(median(peak) / 1024).toFixed(1)} MiB, node -e 0 ${(median(mem.node) / 1024).toFixed(1)} MiB (+${((median(peak) - median(mem.node)) / 1024).toFixed(1)} MiB)`);
    } else notes.push('hook peak memory: not measured (no GNU time at /usr/bin/time)');
    const urls = loadedModules(hook, env, withMdev, dir);
    const pkgs = [...new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/')[1]!.split('/')[0]))].sort();
    const bad = urls.filter((u) => /libxml2-wasm|@xmldom|\/xpath\/|\/execa\/|\/commander\/|\.wasm/.test(u));
    notes.push(`hook hot path (prepare + release, 4 mdevs): ${urls.filter((u) => u.startsWith('file:')).length} modules, packages: ${pkgs.join(', ') || 'none'}; `
      + `wasm/xmldom/execa/commander: ${bad.length === 0 ? 'none loaded' : `LOADED ${bad.join(', ')}`}`);
    return { rows, notes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(diskDir, { recursive: true, force: true });
  }
}
