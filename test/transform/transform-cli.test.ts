// virt-mdev transform as admins and CI run it: stdout, -o, --diff, --check, --json, stdin, --root warnings.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { initSimHost } from '../../src/simhost/init.js';
import { ExitCode } from '../../src/util/errors.js';
import { snapshotTree, tempDir, virtMdev } from '../helpers/cli.js';
import { corpusDir, readCorpus } from '../domainxml/corpus.js';

const sample = (f: string): string => path.join(corpusDir, f);

test('prints the libvirt-ready document on stdout; stdin works the same', async (t) => {
  const f = 'every-form-in-one-domain.xml';
  const r = await virtMdev(['transform', sample(f)]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(r.stderr, '');
  t.true(String(r.stdout).includes("<virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'>"));
  const s = await virtMdev(['transform'], { input: readCorpus(f) });
  t.is(s.exitCode, 0);
  t.is(s.stdout, r.stdout);
  const dash = await virtMdev(['transform', '-'], { input: readCorpus(f) });
  t.is(dash.stdout, r.stdout);
});

test('-o writes the result atomically and prints nothing; the input is untouched', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const input = path.join(dir, 'in.xml');
  fs.copyFileSync(sample('crlf-line-endings.xml'), input);
  const before = fs.readFileSync(input);
  const out = path.join(dir, 'out.xml');
  const r = await virtMdev(['transform', input, '-o', out]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(r.stdout, '');
  t.deepEqual(fs.readFileSync(input), before);
  t.deepEqual(fs.readdirSync(dir).sort(), ['in.xml', 'out.xml'], 'no temporary file left behind');
  t.is(fs.statSync(out).mode & 0o777, fs.statSync(input).mode & 0o777, 'the output keeps the input file mode');
  fs.chmodSync(input, 0o600);
  const inPlace = await virtMdev(['transform', input, '-o', input]);
  t.is(inPlace.exitCode, 0);
  t.deepEqual(fs.readFileSync(input), fs.readFileSync(out), 'in place gives the same bytes');
  t.is(fs.statSync(input).mode & 0o777, 0o600);
  const again = await virtMdev(['transform', '--check', out]);
  t.is(again.exitCode, 0, String(again.stderr));
});

test('--check: exit 1 with the lines to fix when not libvirt-ready, 0 when ready', async (t) => {
  const r = await virtMdev(['transform', '--check', sample('rfc-mdev-guest-pci-address.xml')]);
  t.is(r.exitCode, ExitCode.FAILURE);
  t.is(r.stdout, '');
  t.regex(String(r.stderr), /rfc-mdev-guest-pci-address\.xml:10: hostdev #1 \(rfc-mdev form\) is not in libvirt's form yet/);
  t.regex(String(r.stderr), /not libvirt-ready: run 'virt-mdev transform /);
  const ok = await virtMdev(['transform', '--check', sample('virsh-dumpxml-running-vgpu-q35.xml')]);
  t.is(ok.exitCode, 0);
  t.is(ok.stdout, '');
  t.is(ok.stderr, '');
  const meta = await virtMdev(['transform', '--check', sample('metadata-stale-entry-removed.xml')]);
  t.is(meta.exitCode, ExitCode.FAILURE);
  t.regex(String(meta.stderr), /<metadata> entries do not match the managed hostdevs/);
});

test('--diff prints a unified diff of exactly the changed lines', async (t) => {
  const r = await virtMdev(['transform', '--diff', sample('rfc-guest-type-pci-mdev-uuid.xml')]);
  t.is(r.exitCode, 0);
  const f = sample('rfc-guest-type-pci-mdev-uuid.xml');
  t.is(String(r.stdout), [
    `--- a/${f}`, `+++ b/${f}`, '@@ -7,9 +7,9 @@',
    '   </os>', '   <devices>', '     <!-- the discussion\'s first form: hostdev type names the guest side -->',
    "-    <hostdev mode='subsystem' type='pci' managed='no'>",
    "+    <hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='no'>",
    '       <source>',
    "-        <mdev uuid='a297db4a-f4c2-11e6-90f6-d3b88d6c9525'/>",
    "+        <address uuid='a297db4a-f4c2-11e6-90f6-d3b88d6c9525'/>",
    '       </source>', "       <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>", '     </hostdev>', '',
  ].join('\n'));
  const none = await virtMdev(['transform', '--diff', sample('libvirt-vfio-ap.xml')]);
  t.is(none.stdout, '');
});

test('--json prints the plan: form, model, uuid, generated, request, line per device', async (t) => {
  const r = await virtMdev(['--json', 'transform', sample('every-form-in-one-domain.xml')]);
  t.is(r.exitCode, 0, String(r.stderr));
  const plan = JSON.parse(String(r.stdout));
  t.is(plan.changed, true);
  t.is(plan.domain.name, 'every-form');
  t.deepEqual(plan.devices.map((d: { form: string }) => d.form), ['libvirt', 'rfc-guest-type', 'rfc-mdev', 'managed', 'managed', 'managed']);
  t.deepEqual(plan.devices.map((d: { line: number }) => d.line), [12, 18, 24, 29, 34, 39]);
  t.like(plan.devices[3], { index: 3, model: 'vfio-pci', generated: true, managed: true, type: 'nvidia-63', parent: '0000:41:00.0' });
  t.like(plan.devices[4], { pool: 'vdi-1q', generated: true });
  t.like(plan.devices[5], { uuid: '11111111-2222-4333-8444-555555555506', generated: false, type: 'mtty-1' });
  // the option also works after the command
  const after = await virtMdev(['transform', sample('every-form-in-one-domain.xml'), '--json']);
  t.deepEqual(JSON.parse(String(after.stdout)), plan);
});

test('usage errors: --diff with --json, --check with -o', async (t) => {
  t.is((await virtMdev(['--json', 'transform', '--diff', sample('managed-pool.xml')])).exitCode, ExitCode.USAGE);
  t.is((await virtMdev(['transform', '--check', '-o', '/tmp/x.xml', sample('managed-pool.xml')])).exitCode, ExitCode.USAGE);
});

test('--root warns about unknown types and parents, device_api, capacity and missing devices; the host is unchanged', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const root = path.join(dir, 'host');
  await initSimHost(root, ['mtty', 'ccw']);
  const bus = openMdevBus(new HostRoot(root));
  await bus.create('mtty', 'mtty-1', '5f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c');
  const domain = `<domain type='kvm'>
  <name>host-check</name>
  <uuid>1c2d3e4f-5a6b-4c7d-9e9f-0a1b2c3d4e5f</uuid>
  <devices>
    <hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='nvidia-63'/></source></hostdev>
    <hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='mtty-1' parent='0000:99:00.0'/></source></hostdev>
    <hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='vfio_ccw-io'/></source></hostdev>
    <hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='mtty-2' parent='mtty'/></source></hostdev>
${Array.from({ length: 12 }, () => "    <hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='mtty-2'/></source></hostdev>").join('\n')}
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='5f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c'/></source></hostdev>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='6f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c'/></source></hostdev>
  </devices>
</domain>
`;
  const file = path.join(dir, 'd.xml');
  fs.writeFileSync(file, domain);
  const before = snapshotTree(root);
  const offline = await virtMdev(['transform', file], { env: { VIRT_MDEV_ROOT: undefined } });
  t.is(offline.stderr, '', 'offline by default');
  const r = await virtMdev(['--root', root, 'transform', file]);
  t.is(r.exitCode, 0, String(r.stderr));
  const w = String(r.stderr).trimEnd().split('\n');
  t.true(w.every((l) => l.startsWith(`warning: ${file}:`)), w.join('\n'));
  const has = (re: RegExp): void => { t.true(w.some((l) => re.test(l)), `${re} in\n${w.join('\n')}`); };
  has(/d\.xml:5: mdev type 'nvidia-63' is not offered by any parent on this host \(types: mtty-1, mtty-2, vfio_ccw-io\)/);
  has(/d\.xml:6: parent '0000:99:00\.0' is not an mdev parent on this host \(parents: 0\.0\.0052, mtty\)/);
  has(/d\.xml:7: mdev type 'vfio_ccw-io' has device_api 'vfio-ccw' but the hostdev's model is 'vfio-pci'/);
  has(/d\.xml:8: the domain needs 13 new mdev\(s\) of type 'mtty-2' but only 11 can be created now \(mtty: 11\)/);
  const lines = w.map((l) => Number(/d\.xml:(\d+):/.exec(l)![1]));
  t.deepEqual(lines, [...lines].sort((a, b) => a - b), 'warnings in document order');
  has(/d\.xml:22: mdev 6f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c does not exist on this host/);
  t.false(w.some((l) => l.includes('5f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c')), 'an existing device of the right API is fine');
  t.deepEqual(snapshotTree(root), before, 'transform never touches the host');
});
