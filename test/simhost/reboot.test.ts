// `simulate reboot`: every mdev goes (held ones and blocked removals too), run/ starts empty, etc/ and
// the rest of the disk survive, and the kernel's bookkeeping starts from scratch.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { holdSimDevice } from '../../src/simhost/kernel.js';
import { rebootSimHost } from '../../src/simhost/reboot.js';
import { readSimState } from '../../src/simhost/state.js';
import { ExitCode } from '../../src/util/errors.js';
import { snapshotTree, tempDir, virtMdev } from '../helpers/cli.js';
import { avail, freshHost, sleep, until, uuidN } from './sim-helpers.js';

/** What survives a boot, and what must not. */
const DISK = {
  'etc/mdevctl.d/mtty/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': '{"mdev_type":"mtty-2","start":"auto","attrs":[]}\n',
  'etc/virt-mdev/hook.conf': 'remove_timeout = 5\n',
  'var/log/virt-mdev/hook.log': '{"action":"prepare"}\n',
};
const RUN = ['run/virt-mdev/ledger.json', 'run/libvirt/qemu/vm1.xml', 'run/libvirt/qemu/vm1.pid'];

function putFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

test('reboot removes every mdev, held and blocked ones too, empties run/, keeps etc/ and var/', async (t) => {
  const h = await freshHost(['mtty', 'nvidia']);
  t.teardown(h.cleanup);
  const pristineSys = snapshotTree(path.join(h.dir, 'sys'));
  const bus = openMdevBus(h.root);
  const [a, b, c, d] = [uuidN(1), uuidN(2), uuidN(3), uuidN(4)];
  await bus.create('mtty', 'mtty-1', a);
  await bus.create('mtty', 'mtty-2', b);
  await bus.create('0000:41:00.0', 'nvidia-64', c);
  await bus.create('0000:41:00.0', 'nvidia-64', d);
  await holdSimDevice(h.root, b);
  // a removal the kernel blocks on the held device: its writer is still waiting when the host goes down
  t.is(await bus.remove(b, { timeoutMs: 200 }), 'timeout');
  t.true(await until(() => readSimState(h.dir)!.removing[b] !== undefined));
  putFiles(h.dir, DISK);
  putFiles(h.dir, Object.fromEntries(RUN.map((r) => [r, 'x\n'])));

  const r = await rebootSimHost(h.root);
  t.deepEqual(r.removed, [a, b, c, d]);
  t.deepEqual(r.clearedRun, ['libvirt', 'virt-mdev']);
  t.deepEqual(bus.listDevices(), []);
  // sysfs is exactly as `simulate init` laid it out: no device, no group, every type at full capacity
  t.deepEqual(snapshotTree(path.join(h.dir, 'sys')), pristineSys);
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 24);
  t.is(avail(h.dir, '0000:41:00.0', 'nvidia-63'), 24);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'run')), []);
  for (const [rel, text] of Object.entries(DISK)) t.is(fs.readFileSync(path.join(h.dir, rel), 'utf8'), text, rel);
  const st = readSimState(h.dir)!;
  t.deepEqual(st.held, []);
  t.deepEqual(st.removing, {});

  // the kernel starts from scratch: the GPU takes another type now, and the same UUIDs are free again
  await bus.create('0000:41:00.0', 'nvidia-63', c);
  await bus.create('mtty', 'mtty-2', b);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 11);
  // the writer that was blocked before the reboot must not take the new device with it
  await sleep(400);
  t.truthy(bus.findDevice(b));
  t.deepEqual(readSimState(h.dir)!.removing, {});
  await t.throwsAsync(bus.create('0000:41:00.0', 'nvidia-64', uuidN(5)), { message: /refused it \(EINVAL\)/ });
});

test('simulate reboot DIR prints one line, or JSON', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  await openMdevBus(h.root).create('mtty', 'mtty-1', uuidN(7));
  putFiles(h.dir, { 'run/virt-mdev/ledger.json': '{}\n', ...DISK });
  const r = await virtMdev(['simulate', 'reboot', h.dir]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stdout), `rebooted simulated host ${h.dir}: removed 1 mdev, cleared run/ (virt-mdev), kept etc/\n`);
  t.is(fs.readFileSync(path.join(h.dir, 'etc/virt-mdev/hook.conf'), 'utf8'), DISK['etc/virt-mdev/hook.conf']);
  // a second boot finds nothing to do
  const j = await virtMdev(['--json', 'simulate', 'reboot', h.dir]);
  t.is(j.exitCode, 0);
  t.deepEqual(JSON.parse(String(j.stdout)), { root: h.dir, removed: [], clearedRun: [] });
});

test('simulate reboot refuses what is not a simulated host, and a run/ that is a link; nothing changes', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  putFiles(tmp.dir, { 'plain/run/keep': 'x', 'plain/etc/keep': 'y' });
  const before = snapshotTree(tmp.dir);
  const r = await virtMdev(['simulate', 'reboot', path.join(tmp.dir, 'plain')]);
  t.is(r.exitCode, ExitCode.HOST);
  t.regex(String(r.stderr), /^virt-mdev: host root '.*plain' is not a simulated host/);
  t.is(String(r.stderr).split('\n').filter(Boolean).length, 1);
  const missing = await virtMdev(['simulate', 'reboot', path.join(tmp.dir, 'nope')]);
  t.is(missing.exitCode, ExitCode.HOST);
  t.deepEqual(snapshotTree(tmp.dir), before);

  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  await openMdevBus(h.root).create('mtty', 'mtty-1', uuidN(8));
  fs.symlinkSync(path.join(tmp.dir, 'plain/run'), path.join(h.dir, 'run'));
  const hostBefore = snapshotTree(h.dir);
  const linked = await virtMdev(['simulate', 'reboot', h.dir]);
  t.is(linked.exitCode, ExitCode.HOST);
  t.regex(String(linked.stderr), /run is not a plain directory/);
  t.deepEqual(snapshotTree(h.dir), hostBefore);
  t.deepEqual(snapshotTree(tmp.dir), before);
  t.truthy(openMdevBus(new HostRoot(h.dir)).findDevice(uuidN(8)));
});
