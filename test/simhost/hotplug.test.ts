// `simulate unplug|plug`: a parent's driver unregisters from the mdev core and registers again.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { plugSimParent, unplugSimParent } from '../../src/simhost/hotplug.js';
import { holdSimDevice } from '../../src/simhost/kernel.js';
import { readSimState } from '../../src/simhost/state.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';
import { snapshotTree, virtMdev } from '../helpers/cli.js';
import { avail, createPath, freshHost, sleep, until, uuidN } from './sim-helpers.js';

const MTTY = 'sys/devices/virtual/mtty/mtty';
const GPU = 'sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0';

/** command lines of the late-types timers running for the host at dir (Linux /proc) */
function timerProcesses(dir: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => /late-types-timer\.[mc]?js$/.test(a)) && args.includes(dir)) out.push(args.join(' '));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** the part of a tree under rel */
function subtree(snap: Record<string, string>, rel: string): Record<string, string> {
  return Object.fromEntries(Object.entries(snap).filter(([k]) => k === rel || k.startsWith(rel + '/')));
}

test('unplug takes the children, the types and the class link; the device stays; other parents are untouched', async (t) => {
  const h = await freshHost(['mtty', 'nvidia']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  const [a, b, c] = [uuidN(1), uuidN(2), uuidN(3)];
  await bus.create('mtty', 'mtty-1', a);
  await bus.create('mtty', 'mtty-2', b);
  await bus.create('0000:41:00.0', 'nvidia-63', c);
  await holdSimDevice(h.root, b);
  t.is(await bus.remove(b, { timeoutMs: 200 }), 'timeout');
  t.true(await until(() => readSimState(h.dir)!.removing[b] !== undefined));
  const gpuBefore = subtree(snapshotTree(h.dir), GPU);

  t.deepEqual(await unplugSimParent(h.root, 'mtty'), { parent: 'mtty', removed: [a, b] });
  t.false(fs.existsSync(path.join(h.dir, 'sys/class/mdev_bus/mtty')));
  t.false(fs.existsSync(path.join(h.dir, MTTY, 'mdev_supported_types')));
  t.true(fs.statSync(path.join(h.dir, MTTY)).isDirectory());
  t.deepEqual(bus.listParents().map((p) => p.name), ['0000:41:00.0', '0000:42:00.0']);
  t.deepEqual(bus.listDevices().map((d) => d.uuid), [c]);
  const st = readSimState(h.dir)!;
  t.deepEqual(st.unplugged, ['mtty']);
  t.deepEqual(st.held, []);
  t.deepEqual(st.removing, {});

  // creating on it fails exactly as on a parent that never existed
  const missing = await t.throwsAsync(bus.create('mtty', 'mtty-1', uuidN(4)), { instanceOf: VirtMdevError });
  const never = await t.throwsAsync(bus.create('nosuch', 'mtty-1', uuidN(4)), { instanceOf: VirtMdevError });
  t.is(missing.exitCode, ExitCode.NOT_FOUND);
  t.is(missing.reason, never.reason);
  await t.throwsAsync(sysfsWrite(h.root, createPath('mtty', 'mtty-1'), uuidN(4)), { code: 'ENOENT' });
  // the kernel's next write elsewhere does not bring the unplugged parent's files back
  await bus.create('0000:41:00.0', 'nvidia-63', uuidN(5));
  t.false(fs.existsSync(path.join(h.dir, MTTY, 'mdev_supported_types')));
  await bus.remove(uuidN(5));
  t.deepEqual(subtree(snapshotTree(h.dir), GPU), gpuBefore);
});

test('plug brings the parent back as init laid it out, at full capacity, and create works again', async (t) => {
  const h = await freshHost(['mtty', 'nvidia']);
  t.teardown(h.cleanup);
  const pristine = snapshotTree(h.dir);
  const bus = openMdevBus(h.root);
  await unplugSimParent(h.root, 'mtty');
  t.deepEqual(await plugSimParent(h.root, 'mtty'), { parent: 'mtty' });
  t.deepEqual(snapshotTree(h.dir), pristine);

  for (let i = 0; i < 12; i++) await bus.create('mtty', 'mtty-2', uuidN(10 + i));
  await t.throwsAsync(bus.create('mtty', 'mtty-1', uuidN(30)), { message: /no capacity left \(ENOSPC\)/ });
  await unplugSimParent(h.root, 'mtty');
  await plugSimParent(h.root, 'mtty');
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 24);
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 12);
  // the same UUIDs are free again
  await bus.create('mtty', 'mtty-1', uuidN(10));
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 11);
});

test("the NVIDIA GPU's one-type rule starts afresh after unplug and plug", async (t) => {
  const h = await freshHost(['nvidia']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  await bus.create('0000:41:00.0', 'nvidia-64', uuidN(1));
  t.is(avail(h.dir, '0000:41:00.0', 'nvidia-63'), 0);
  await unplugSimParent(h.root, '0000:41:00.0');
  await plugSimParent(h.root, '0000:41:00.0');
  t.is(avail(h.dir, '0000:41:00.0', 'nvidia-63'), 24);
  await bus.create('0000:41:00.0', 'nvidia-63', uuidN(2));
  await t.throwsAsync(bus.create('0000:41:00.0', 'nvidia-64', uuidN(3)), { message: /refused it \(EINVAL\)/ });
  t.is(avail(h.dir, '0000:41:00.0', 'nvidia-64'), 0);
  t.is(avail(h.dir, '0000:42:00.0', 'nvidia-64'), 12);
});

test('a writer blocked on a device of an unplugged parent never takes a later device with the same UUID', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  const u = uuidN(1);
  await bus.create('mtty', 'mtty-1', u);
  await holdSimDevice(h.root, u);
  t.is(await bus.remove(u, { timeoutMs: 200 }), 'timeout');
  t.true(await until(() => readSimState(h.dir)!.removing[u] !== undefined));
  await unplugSimParent(h.root, 'mtty');
  await plugSimParent(h.root, 'mtty');
  await bus.create('mtty', 'mtty-1', u);
  await sleep(400);
  t.truthy(bus.findDevice(u));
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 23);
});

test('simulate unplug|plug on the command line, by sysfs or node-device name', async (t) => {
  const h = await freshHost(['mtty', 'gvt-g']);
  t.teardown(h.cleanup);
  await openMdevBus(h.root).create('0000:00:02.0', 'i915-GVTg_V5_8', uuidN(1));
  const un = await virtMdev(['simulate', 'unplug', h.dir, 'pci_0000_00_02_0']);
  t.is(un.exitCode, 0, String(un.stderr));
  t.is(String(un.stdout), `unplugged 0000:00:02.0 from simulated host ${h.dir}: removed 1 mdev\n`);
  const pl = await virtMdev(['simulate', 'plug', h.dir, '0000:00:02.0']);
  t.is(pl.exitCode, 0, String(pl.stderr));
  t.is(String(pl.stdout), `plugged 0000:00:02.0 into simulated host ${h.dir}: i915-GVTg_V5_4 (1 available), i915-GVTg_V5_8 (2 available)\n`);
  const j = await virtMdev(['--json', 'simulate', 'unplug', h.dir, 'mtty_mtty']);
  t.deepEqual(JSON.parse(String(j.stdout)), { root: h.dir, parent: 'mtty', removed: [] });
  const jp = await virtMdev(['--json', 'simulate', 'plug', h.dir, 'mtty']);
  t.deepEqual(JSON.parse(String(jp.stdout)), {
    root: h.dir, parent: 'mtty', types: [{ id: 'mtty-1', availableInstances: 24 }, { id: 'mtty-2', availableInstances: 12 }],
  });
  // what the bus reports for a missing parent, on the command line too
  t.is((await virtMdev(['simulate', 'unplug', h.dir, 'mtty'])).exitCode, 0);
  const xml = path.join(path.dirname(h.dir), 'mdev.xml');
  fs.writeFileSync(xml, "<device><parent>mtty_mtty</parent><capability type='mdev'><type id='mtty-1'/></capability></device>\n");
  const nd = await virtMdev(['--root', h.dir, 'nodedev-create', xml]);
  t.is(nd.exitCode, ExitCode.NOT_FOUND, String(nd.stderr));
  t.regex(String(nd.stderr), /names no mdev parent 'mtty_mtty'/);
});

test('bad input: one line, a distinct exit code, nothing changed', async (t) => {
  const h = await freshHost(['mtty', 'nvidia']);
  t.teardown(h.cleanup);
  await openMdevBus(h.root).create('mtty', 'mtty-2', uuidN(1));
  await unplugSimParent(h.root, '0000:42:00.0');
  const before = snapshotTree(h.dir);
  const cases: Array<[string[], number, RegExp]> = [
    [['unplug', h.dir, 'nosuch'], ExitCode.NOT_FOUND, /has no parent 'nosuch': its parents are mtty, 0000:41:00\.0, 0000:42:00\.0/],
    [['plug', h.dir, 'pci_0000_99_00_0'], ExitCode.NOT_FOUND, /has no parent 'pci_0000_99_00_0'/],
    [['plug', h.dir, 'mtty'], ExitCode.EXISTS, /parent mtty is already plugged into simulated host .*: take it away first/],
    [['unplug', h.dir, '0000:42:00.0'], ExitCode.NOT_FOUND, /parent 0000:42:00\.0 is not plugged into simulated host .*simulate plug/],
    [['unplug', h.dir, '../mtty'], ExitCode.BAD_VALUE, /'\.\.\/mtty' is not a valid parent device name/],
    [['plug', h.dir, '0000:42:00.0', '--types-after', 'soon'], ExitCode.USAGE, /--types-after 'soon' is not a number of seconds/],
    [['plug', h.dir, '0000:42:00.0', '--types-after', '3601'], ExitCode.USAGE, /out of range: give 0 to 3600 seconds/],
    [['plug', path.join(h.dir, 'sys'), 'mtty'], ExitCode.HOST, /is not a simulated host/],
  ];
  for (const [args, code, msg] of cases) {
    const r = await virtMdev(['simulate', ...args]);
    t.is(r.exitCode, code, args.join(' '));
    t.regex(String(r.stderr), msg, args.join(' '));
    t.is(String(r.stderr).split('\n').filter(Boolean).length, 1, args.join(' '));
    t.is(String(r.stdout), '');
  }
  t.deepEqual(snapshotTree(h.dir), before);
});

test('plug with late types: the parent registers at once, its types appear later without anyone asking', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  await unplugSimParent(h.root, 'mtty');
  const started = Date.now();
  const r = await plugSimParent(h.root, 'mtty', { typesAfterMs: 2000 });
  t.true(r.typesAt! >= started + 2000);
  t.deepEqual(bus.getParent('mtty').types, []);
  await t.throwsAsync(bus.create('mtty', 'mtty-1', uuidN(1)), { message: /parent mtty has no mdev type 'mtty-1': it offers no types/ });
  t.true(await until(() => bus.getParent('mtty').types.length === 2, 15_000));
  t.true(Date.now() - started >= 2000);
  t.is(avail(h.dir, 'mtty', 'mtty-1'), 24);
  await bus.create('mtty', 'mtty-1', uuidN(1));
  t.is(avail(h.dir, 'mtty', 'mtty-2'), 11);
  t.deepEqual(readSimState(h.dir)!.lateTypes, {});
});

test('simulate plug --types-after SECONDS', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  await unplugSimParent(h.root, 'mtty');
  const r = await virtMdev(['simulate', 'plug', h.dir, 'mtty', '--types-after', '1.5']);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stdout), `plugged mtty into simulated host ${h.dir}: its types appear in 1.5 s\n`);
  t.true(await until(() => bus.getParent('mtty').types.length === 2, 15_000));
  await unplugSimParent(h.root, 'mtty');
  const j = await virtMdev(['--json', 'simulate', 'plug', h.dir, 'mtty', '--types-after', '600']);
  const out = JSON.parse(String(j.stdout)) as { parent: string; typesAt: string; types: unknown[] };
  t.is(out.parent, 'mtty');
  t.deepEqual(out.types, []);
  t.true(Math.abs(Date.parse(out.typesAt) - (Date.now() + 600_000)) < 60_000);
  // its timer goes away with the registration it waits for
  const timers = (): string[] => timerProcesses(h.dir);
  t.is(timers().length, 1);
  await unplugSimParent(h.root, 'mtty');
  t.true(await until(() => timers().length === 0, 5000));
});

test('a late-types timer from an earlier plug does nothing to a later registration', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const bus = openMdevBus(h.root);
  await unplugSimParent(h.root, 'mtty');
  const first = await plugSimParent(h.root, 'mtty', { typesAfterMs: 300 });
  t.true(typeof first.typesAt === 'number');
  // taken away before its types came: the timer must not bring them
  await unplugSimParent(h.root, 'mtty');
  await sleep(800);
  t.false(fs.existsSync(path.join(h.dir, MTTY, 'mdev_supported_types')));
  await plugSimParent(h.root, 'mtty', { typesAfterMs: 30_000 });
  await sleep(300);
  t.deepEqual(bus.getParent('mtty').types, []);
  t.deepEqual(Object.keys(readSimState(h.dir)!.lateTypes), ['mtty']);
  // a reboot leaves registration alone: the types are still to come
  const { rebootSimHost } = await import('../../src/simhost/reboot.js');
  await rebootSimHost(h.root);
  t.deepEqual(bus.getParent('mtty').types, []);
  await unplugSimParent(h.root, 'mtty');
  t.deepEqual(readSimState(h.dir)!.lateTypes, {});
});
