// CLI start-up as an admin pays it: `virt-mdev --help` and the node-device reports as processes, each
// run next to a `node -e 0` (the floor for any Node CLI), on a busy host (every profile, 24 mtty
// devices and a vGPU per GPU); and the in-process tree rendering, as a note.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { renderNodedevTree } from '../../src/nodedev/index.js';
import { initSimHost } from '../../src/simhost/init.js';
import { installed } from './install.js';
import { ratioRow, timeProcess, type BenchReport } from './table.js';

export async function run(): Promise<BenchReport> {
  const { cli } = installed();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-bench-nodedev-'));
  try {
    const rootDir = path.join(dir, 'host');
    await initSimHost(rootDir, ['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap']);
    const root = new HostRoot(rootDir);
    const bus = openMdevBus(root);
    for (let i = 0; i < 24; i++) await bus.create('mtty', 'mtty-1', crypto.randomUUID());
    await bus.create('0000:41:00.0', 'nvidia-63', crypto.randomUUID());
    await bus.create('0000:42:00.0', 'nvidia-64', crypto.randomUUID());

    const N = Math.max(5, Math.round(Number(process.env.BENCH_RUNS ?? 21) / 2));
    const s = { node: [] as number[], help: [] as number[], list: [] as number[], tree: [] as number[], dump: [] as number[] };
    const cliRun = (args: string[]): number => timeProcess(process.execPath, [cli, ...args], { encoding: 'utf8' });
    for (let i = 0; i < N; i++) {
      s.node.push(timeProcess(process.execPath, ['-e', '0']));
      s.help.push(cliRun(['--help']));
      s.list.push(cliRun(['--root', rootDir, 'nodedev-list']));
      s.tree.push(cliRun(['--root', rootDir, 'nodedev-list', '--tree']));
      s.dump.push(cliRun(['--root', rootDir, 'nodedev-dumpxml', 'pci_0000_41_00_0']));
    }
    const reps = 50;
    const t0 = process.hrtime.bigint();
    let lines = 0;
    for (let i = 0; i < reps; i++) lines = renderNodedevTree(root).split('\n').length;
    const inProc = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
    return {
      rows: [
        ratioRow('virt-mdev --help', 'node -e 0', s.help, s.node, { goal: { op: '<=', value: 1.3 } }),
        ratioRow('virt-mdev nodedev-list (busy host)', 'node -e 0', s.list, s.node, { goal: { op: '<=', value: 1.3 } }),
        ratioRow('virt-mdev nodedev-list --tree', 'node -e 0', s.tree, s.node),
        ratioRow('virt-mdev nodedev-dumpxml', 'node -e 0', s.dump, s.node),
      ],
      notes: [`renderNodedevTree in process: ${inProc.toFixed(2)} ms for ${lines} lines`],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
