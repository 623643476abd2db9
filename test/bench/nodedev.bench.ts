// Node-device reporting cost: `virt-mdev nodedev-list --tree` and `nodedev-dumpxml` as processes,
// against `node -e 0` (the floor for any Node CLI), and the in-process tree rendering on a busy host
// (every profile, 24 mtty devices and a vGPU per GPU). Reported as ratios, which survive slow machines.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { renderNodedevTree } from '../../src/nodedev/index.js';
import { initSimHost } from '../../src/simhost/init.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(repo, 'dist/app/virt-mdev.mjs');

function timeProcess(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-bench-nodedev-'));
  try {
    const rootDir = path.join(dir, 'host');
    await initSimHost(rootDir, ['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap']);
    const root = new HostRoot(rootDir);
    const bus = openMdevBus(root);
    for (let i = 0; i < 24; i++) await bus.create('mtty', 'mtty-1', crypto.randomUUID());
    await bus.create('0000:41:00.0', 'nvidia-63', crypto.randomUUID());
    await bus.create('0000:42:00.0', 'nvidia-64', crypto.randomUUID());

    const N = 7;
    const floor = median(Array.from({ length: N }, () => timeProcess(['-e', '0'])));
    const tree = median(Array.from({ length: N }, () => timeProcess([CLI, '--root', rootDir, 'nodedev-list', '--tree'])));
    const dump = median(Array.from({ length: N }, () => timeProcess([CLI, '--root', rootDir, 'nodedev-dumpxml', 'pci_0000_41_00_0'])));
    const xpath = median(Array.from({ length: N }, () => timeProcess([CLI, '--root', rootDir, 'nodedev-dumpxml', 'mtty_mtty', '--xpath', '//type/@id'])));

    const reps = 50;
    const t0 = process.hrtime.bigint();
    let lines = 0;
    for (let i = 0; i < reps; i++) lines = renderNodedevTree(root).split('\n').length;
    const inProc = Number(process.hrtime.bigint() - t0) / 1e6 / reps;

    process.stdout.write(`node -e 0 (floor)                      ${floor.toFixed(1)} ms\n`);
    process.stdout.write(`nodedev-list --tree (busy host)        ${tree.toFixed(1)} ms  = ${(tree / floor).toFixed(2)} × floor\n`);
    process.stdout.write(`nodedev-dumpxml pci_0000_41_00_0       ${dump.toFixed(1)} ms  = ${(dump / floor).toFixed(2)} × floor\n`);
    process.stdout.write(`nodedev-dumpxml --xpath (lazy xmldom)  ${xpath.toFixed(1)} ms  = ${(xpath / floor).toFixed(2)} × floor\n`);
    process.stdout.write(`renderNodedevTree in process           ${inProc.toFixed(2)} ms for ${lines} lines  = ${(inProc / floor * 100).toFixed(1)} % of floor\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
