// `virt-mdev simulate …` as an admin runs it.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotTree, tempDir, virtMdev } from '../helpers/cli.js';
import { ExitCode } from '../../src/util/errors.js';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { uuidN, until } from './sim-helpers.js';

test('simulate init makes a host, prints what it made, and extends it', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const dir = path.join(tmp.dir, 'host');
  const r = await virtMdev(['simulate', 'init', dir, '--profile', 'mtty', '--profile', 'gvt-g']);
  t.is(r.exitCode, 0, String(r.stderr));
  t.regex(String(r.stdout), /added mtty, gvt-g/);
  t.regex(String(r.stdout), /parent mtty at \/sys\/devices\/virtual\/mtty\/mtty: mtty-1 \(24 available\), mtty-2 \(12 available\)/);
  t.regex(String(r.stdout), /parent 0000:00:02\.0 at \/sys\/devices\/pci0000:00\/0000:00:02\.0/);
  const again = await virtMdev(['--json', 'simulate', 'init', dir, '-p', 'mtty', '-p', 'ap']);
  t.is(again.exitCode, 0);
  const j = JSON.parse(String(again.stdout)) as { added: string[]; alreadyPresent: string[]; parents: Array<{ name: string }> };
  t.deepEqual(j.added, ['ap']);
  t.deepEqual(j.alreadyPresent, ['mtty']);
  t.deepEqual(j.parents.map((p) => p.name), ['matrix']);
});

test('simulate init refuses bad input and changes nothing', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  fs.writeFileSync(path.join(tmp.dir, 'keep'), 'x');
  const before = snapshotTree(tmp.dir);
  const r = await virtMdev(['simulate', 'init', tmp.dir, '--profile', 'mtty']);
  t.is(r.exitCode, ExitCode.USAGE);
  t.regex(String(r.stderr), /^virt-mdev: .*is not empty and is not a simulated host/);
  const r2 = await virtMdev(['simulate', 'init', path.join(tmp.dir, 'new'), '--profile', 'voodoo']);
  t.is(r2.exitCode, ExitCode.BAD_VALUE);
  t.regex(String(r2.stderr), /unknown simulated-host profile 'voodoo'/);
  const r3 = await virtMdev(['simulate', 'init', path.join(tmp.dir, 'new')]);
  t.is(r3.exitCode, ExitCode.USAGE);
  t.regex(String(r3.stderr), /no profile given/);
  t.deepEqual(snapshotTree(tmp.dir), before);
});

test('simulate profiles lists all five', async (t) => {
  const r = await virtMdev(['--json', 'simulate', 'profiles']);
  t.is(r.exitCode, 0);
  const list = JSON.parse(String(r.stdout)) as Array<{ name: string }>;
  t.deepEqual(list.map((p) => p.name), ['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap']);
  const plain = await virtMdev(['simulate', 'profiles']);
  t.regex(String(plain.stdout), /^mtty /m);
});

test('simulate hold/unhold take the global root and block a removal in between', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const dir = path.join(tmp.dir, 'host');
  t.is((await virtMdev(['simulate', 'init', dir, '-p', 'mtty'])).exitCode, 0);
  const bus = openMdevBus(new HostRoot(dir));
  const u = uuidN(9);
  await bus.create('mtty', 'mtty-1', u);
  const h = await virtMdev(['simulate', 'hold', u.toUpperCase()], { env: { VIRT_MDEV_ROOT: dir } });
  t.is(h.exitCode, 0, String(h.stderr));
  t.regex(String(h.stdout), new RegExp(`held ${u}`));
  t.is(await bus.remove(u, { timeoutMs: 300 }), 'timeout');
  const un = await virtMdev(['--root', dir, 'simulate', 'unhold', u]);
  t.is(un.exitCode, 0);
  t.regex(String(un.stdout), /released/);
  t.true(await until(() => bus.findDevice(u) === undefined));
  const missing = await virtMdev(['--root', dir, 'simulate', 'hold', u]);
  t.is(missing.exitCode, ExitCode.NOT_FOUND);
  const bad = await virtMdev(['--root', dir, 'simulate', 'hold', '../x']);
  t.is(bad.exitCode, ExitCode.BAD_VALUE);
  const notSim = await virtMdev(['--root', tmp.dir, 'simulate', 'hold', u]);
  t.is(notSim.exitCode, ExitCode.HOST);
  t.regex(String(notSim.stderr), /not a simulated host/);
});
