// The demo's pool part: a pool of 4 reserves capacity on the simulated host, five VMs draw from it
// and the fifth is refused with the pool's message, a shutdown gives a member back, a reboot takes
// every mdev away while the pool's definition stays, and boot's autostart makes the pool again.
import * as path from 'node:path';
import { packageRoot } from '../util/package-layout.js';

export interface DemoTools {
  root: string;
  heading(s: string): void;
  out(s?: string): void;
  indent(s: string, by?: string): string;
  virtMdev(root: string, args: string[], input?: string, expectExit?: number): Promise<string>;
  runHook(root: string, xml: string, op: string, subop: string, name?: string, expectExit?: number): Promise<void>;
  tree(root: string, label: string): Promise<void>;
  markRunning(name: string, xml: string): void;
  markStopped(name: string): void;
}

const repo = packageRoot();
const POOL_SAMPLE = path.join(repo, 'samples/pools/mtty-any-parent.xml');

/** An admin's VM that asks the pool for a device: no type, no UUID (transform adds the UUID). */
function vdiXml(n: number): string {
  return `<domain type='kvm'>
  <name>vdi${n}</name>
  <uuid>5e1f0000-0000-4000-8000-00000000000${n}</uuid>
  <memory unit='KiB'>2097152</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'>
      <source>
        <mdev pool='serial'/>
      </source>
    </hostdev>
  </devices>
</domain>
`;
}

export async function poolStory(d: DemoTools): Promise<void> {
  const { root, out, indent } = d;
  d.heading('A pool: 4 mtty-2 members that only VMs drawing from the pool can have');
  out(indent(path.relative(repo, POOL_SAMPLE) + ':\n' + d.indent((await import('node:fs')).readFileSync(POOL_SAMPLE, 'utf8'), '  ')));
  out(indent(await d.virtMdev(root, ['pool-define', path.relative(repo, POOL_SAMPLE)])));
  out(indent(await d.virtMdev(root, ['pool-autostart', 'serial'])));
  out(indent(await d.virtMdev(root, ['pool-start', 'serial'])));
  out(indent(await d.virtMdev(root, ['pool-list'])));

  d.heading("Five VMs draw from it: <mdev pool='serial'/>, made libvirt-ready by transform");
  const ready: string[] = [];
  for (let n = 1; n <= 5; n++) ready.push(await d.virtMdev(root, ['transform', '-'], vdiXml(n)));
  out('  vdi1 as transform wrote it (its own UUID in <source>, the pool in <metadata>):');
  out(indent(ready[0].split('\n').filter((l) => /virt-mdev:device|<address uuid/.test(l)).map((l) => l.trim()).join('\n')));
  out(indent(await d.virtMdev(root, ['check', '-'], ready[0])));
  for (let n = 1; n <= 4; n++) {
    await d.runHook(root, ready[n - 1], 'prepare', 'begin', `vdi${n}`);
    d.markRunning(`vdi${n}`, ready[n - 1]);
  }
  out('  each prepare removed a free member and created the VM\'s own UUID in its place, under the ledger lock');
  await d.tree(root, 'with vdi1-vdi4 running (their own UUIDs, no free member left)');
  out('  the fifth VM: check answers before libvirt would try, and the hook refuses the start with the same line');
  await d.virtMdev(root, ['check', '-'], ready[4], 7);
  await d.runHook(root, ready[4], 'prepare', 'begin', 'vdi5', 1);
  await d.runHook(root, ready[4], 'release', 'end', 'vdi5');

  d.heading('vdi1 shuts down: its device is removed and member 0 made again');
  d.markStopped('vdi1');
  await d.runHook(root, ready[0], 'release', 'end', 'vdi1');
  out(indent(await d.virtMdev(root, ['pool-info', 'serial'])));
  await d.runHook(root, ready[4], 'prepare', 'begin', 'vdi5');
  d.markRunning('vdi5', ready[4]);
  out('  vdi5 starts now: it drew the member vdi1 gave back');

  d.heading('A reboot: every mdev and virt-mdev\'s ledger go, the pool\'s definition stays');
  out(indent(await d.virtMdev(root, ['simulate', 'reboot', root])));
  out(indent(await d.virtMdev(root, ['pool-list', '--all'])));

  d.heading('Boot: virt-mdev autostart (virt-mdev-autostart.service) makes the pool again');
  out(indent(await d.virtMdev(root, ['autostart'])));
  out(indent(await d.virtMdev(root, ['pool-list'])));
  await d.tree(root, 'after boot (the pool\'s 4 members, the same UUIDs as before)');
}
