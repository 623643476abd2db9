// npm run demo: the whole story on a fresh simulated host. An admin's domain XML with two managed
// mdevs is made libvirt-ready with `virt-mdev transform`; then hooks/qemu is run exactly as libvirt
// runs it (argv NAME OP SUBOP -, the XML on stdin, only LC_ALL=C PATH=/bin:/sbin HOME=/ in the
// environment) through a VM's life, with the node-device tree before, during and after. Then VMs
// draw from a pool (./pools.ts).
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot, shippedEntry } from '../util/package-layout.js';
import { snapshotTree } from '../util/tree-snapshot.js';
import { poolStory } from './pools.js';

const repo = packageRoot();
// the CLI an admin runs: its bundle (npm run demo builds it)
const cli = shippedEntry('cli');
const hook = path.join(repo, 'hooks/qemu');
const sample = path.join(repo, 'samples/domains/hook/demo-desktop.xml');
const DOMAIN = 'demo-desktop';

const out = (s = ''): void => { process.stdout.write(s + '\n'); };
const indent = (s: string, by = '    '): string => s.replace(/\n$/, '').split('\n').map((l) => by + l).join('\n');
let step = 0;
const heading = (s: string): void => { step += 1; out(); out(`== ${step}. ${s} ${'='.repeat(Math.max(3, 74 - s.length))}`); };

async function virtMdev(root: string, args: string[], input?: string, expectExit = 0): Promise<string> {
  out(`  $ virt-mdev --root $HOST ${args.join(' ')}`);
  const r = await execa(process.execPath, [cli, '--root', root, ...args], { input, cwd: repo, reject: false, stripFinalNewline: false });
  if (r.exitCode !== expectExit) throw new Error(`virt-mdev ${args.join(' ')} exited ${String(r.exitCode)}, not ${expectExit}: ${r.stderr}`);
  if (expectExit !== 0) out(`    exit ${String(r.exitCode)}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function tree(root: string, label: string): Promise<void> {
  out(`  node devices ${label}:`);
  out(indent(await virtMdev(root, ['nodedev-list', '--tree'])));
}

async function runHook(root: string, xml: string, op: string, subop: string, name = DOMAIN, expectExit = 0): Promise<void> {
  // where node is not in a usual place, pass its path as the installed hook wrapper does
  const env: Record<string, string> = { LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/', VIRT_MDEV_ROOT: root };
  if (!['/usr/bin/node', '/usr/local/bin/node'].includes(process.execPath)) env.VIRT_MDEV_NODE = process.execPath;
  const t0 = process.hrtime.bigint();
  const r = await execa(hook, [name, op, subop, '-'], { input: xml, env, extendEnv: false, reject: false, stripFinalNewline: false });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  out(`  libvirt runs: env -i LC_ALL=C PATH=/bin:/sbin HOME=/ hooks/qemu ${name} ${op} ${subop} - < ${name}.xml`);
  out(`    exit ${String(r.exitCode)} in ${ms.toFixed(0)} ms${r.stdout ? `, stdout ${r.stdout.length} bytes` : ', no output'}${r.stderr ? `, stderr: ${r.stderr.trim()}` : ''}`);
  if (r.exitCode !== expectExit) throw new Error(`the hook exited ${String(r.exitCode)} at ${op} ${subop}, not ${expectExit}: ${r.stderr}`);
}

function statusFile(root: string, name = DOMAIN): string {
  return path.join(root, 'run/libvirt/qemu', `${name}.xml`);
}

/** libvirt keeps the live definition in its status file while QEMU runs */
function markRunning(root: string, name: string, xml: string): void {
  fs.mkdirSync(path.dirname(statusFile(root, name)), { recursive: true });
  fs.writeFileSync(statusFile(root, name), `<domstatus state='running' reason='booted' pid='4242'>\n${xml.replace(/^<\?xml[^>]*>\s*/, '')}</domstatus>\n`);
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-demo-'));
  try {
    out('virt-mdev demo: managed mdevs through a VM\'s life, on a simulated host');
    out(`(host root: ${root}, shown as $HOST; removed at the end)`);

    heading('A fresh simulated host: the mtty sample driver and an Intel GVT-g iGPU');
    out(indent(await virtMdev(root, ['simulate', 'init', root, '--profile', 'mtty', '--profile', 'gvt-g'])));
    await tree(root, 'before');
    const sysBefore = snapshotTree(path.join(root, 'sys'));

    heading("The admin's domain XML: two managed mdevs, by type (and parent)");
    const authoring = fs.readFileSync(sample, 'utf8');
    out(`  ${path.relative(repo, sample)}, its hostdevs:`);
    out(indent(authoring.slice(authoring.indexOf('    <!-- a serial'), authoring.indexOf('  </devices>')), '  '));

    heading('virt-mdev transform: libvirt-ready XML (UUIDs in <source>, the request in <metadata>)');
    const xml = await virtMdev(root, ['transform', path.relative(repo, sample)]);
    const diff = (await execa(process.execPath, [cli, 'transform', '--diff', sample], { reject: false })).stdout;
    out(indent(diff.split('\n').filter((l) => /^[+-](?![+-])/.test(l)).join('\n')));
    out('  (the admin would now run: virsh define demo-desktop.xml; libvirt then calls the hook on every start and stop)');

    heading('virsh start demo-desktop: prepare → start → started');
    await runHook(root, xml, 'prepare', 'begin');
    await tree(root, 'after prepare (the hook created both mdevs)');
    out(indent(await virtMdev(root, ['ledger'])));
    await runHook(root, xml, 'start', 'begin');
    await runHook(root, xml, 'started', 'begin');
    markRunning(root, DOMAIN, xml);
    out(`  libvirt writes $HOST/run/libvirt/qemu/${DOMAIN}.xml: the domain runs`);

    heading('While it runs: gc leaves the devices of running domains alone');
    out(indent(await virtMdev(root, ['gc', '--min-age', '0'])));

    heading('virsh shutdown demo-desktop: stopped → release');
    await runHook(root, xml, 'stopped', 'end');
    fs.rmSync(statusFile(root));
    out('  libvirt deletes the status file');
    await runHook(root, xml, 'release', 'end');
    await tree(root, 'after release (both removed again)');
    out(indent(await virtMdev(root, ['ledger'])));
    const same = JSON.stringify(snapshotTree(path.join(root, 'sys'))) === JSON.stringify(sysBefore);
    out(`  sysfs identical to before the start: ${same ? 'yes' : 'NO'}`);
    if (!same) throw new Error('the host is not as it was before the start');

    heading('A domain without mdevs costs no node start (the hook answers from sh)');
    const plain = `<domain type='kvm'><name>demo-server</name><devices><disk type='file' device='disk'/></devices></domain>\n`;
    await runHook(root, plain, 'prepare', 'begin', 'demo-server');
    await runHook(root, plain, 'release', 'end', 'demo-server');

    heading('The hook log: one JSON line per action ($HOST/var/log/virt-mdev/hook.log)');
    const log = fs.readFileSync(path.join(root, 'var/log/virt-mdev/hook.log'), 'utf8').trim().split('\n');
    for (const l of log) {
      const o = JSON.parse(l) as Record<string, unknown>;
      out(`  ${String(o.op).padEnd(8)} ${String(o.action).padEnd(14)} ${o.uuid ? `${String(o.uuid)} ${String(o.type ?? '')}${o.parent ? ` on ${String(o.parent)}` : ''}` : o.ms !== undefined ? `${String(o.ms)} ms` : ''}`);
    }
    await poolStory({ root, heading, out, indent, virtMdev, runHook, tree, markRunning: (name, x) => markRunning(root, name, x), markStopped: (name) => fs.rmSync(statusFile(root, name)) });
    out();
    out('done: the domain got its mdevs at start and gave them back at stop; VMs drew from a pool and gave back;');
    out('nothing else on the host was touched.');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
