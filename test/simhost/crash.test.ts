// Writers killed with SIGKILL at random moments: the kernel emulation's lock dies with them and the
// next writer finds a tree the kernel could be in — no half device on the bus, capacity that matches.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/cli.js';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { avail, freshHost, removePath, sleep, until, uuidN } from './sim-helpers.js';

const writeModule = pathToFileURL(path.join(repoRoot, 'dist/src/mdevbus/sysfs-write.js')).href;
const rootModule = pathToFileURL(path.join(repoRoot, 'dist/src/host/root.js')).href;

function churn(dir: string, seed: number): ReturnType<typeof spawn> {
  const code = `
    const { sysfsWrite } = await import(${JSON.stringify(writeModule)});
    const { HostRoot } = await import(${JSON.stringify(rootModule)});
    const root = new HostRoot(process.argv[1]);
    const seed = Number(process.argv[2]);
    for (let i = 0; ; i++) {
      const u = '7b2e0c1d-3a4f-4b5c-8d6e-' + (seed * 100000 + i).toString(16).padStart(12, '0');
      try { await sysfsWrite(root, '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-' + (1 + (i % 2)) + '/create', u); } catch {}
      if (i % 3 === 2) { try { await sysfsWrite(root, '/sys/bus/mdev/devices/' + u + '/remove', '1'); } catch {} }
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', code, dir, String(seed)], { stdio: 'ignore' });
}

test('SIGKILLed writers never leave a half device visible', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  for (let round = 0; round < 3; round++) {
    const kids = Array.from({ length: 6 }, (_, i) => churn(h.dir, round * 10 + i + 1));
    const bus0 = openMdevBus(h.root);
    const seen = bus0.listDevices().length;
    await until(() => bus0.listDevices().length > seen, 20_000);
    await sleep(Math.floor(Math.random() * 200));
    for (const k of kids) {
      await sleep(Math.floor(Math.random() * 40));
      k.kill('SIGKILL');
    }
    await Promise.all(kids.map((k) => new Promise((r) => (k.exitCode !== null || k.signalCode !== null ? r(null) : k.once('exit', r)))));
    // what readers see without the lock: every device on the bus is complete
    const bus = openMdevBus(h.root);
    for (const d of bus.listDevices()) {
      t.true(d.typeId === 'mtty-1' || d.typeId === 'mtty-2', JSON.stringify(d));
      t.is(typeof d.iommuGroup, 'number');
      t.true(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', d.uuid, 'remove')));
    }
    // the next writer repairs: afterwards the tree is exactly the committed devices
    await sysfsWrite(h.root, removePath(uuidN(0)), '0').catch(() => undefined);
    const devs = bus.listDevices();
    const pdir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty');
    t.deepEqual(fs.readdirSync(pdir).filter((n) => /^[0-9a-f-]{36}$/.test(n)).sort(), devs.map((d) => d.uuid).sort());
    t.is(fs.readdirSync(path.join(h.dir, 'sys/kernel/iommu_groups')).length, devs.length);
    t.is(fs.readdirSync(path.join(h.dir, 'sys/class/vfio')).length, devs.length);
    t.is(fs.readdirSync(path.join(h.dir, 'sys/class/vfio-dev')).length, devs.length);
    t.is(fs.readdirSync(path.join(h.dir, 'sys/devices/virtual/vfio')).length, devs.length);
    const ports = devs.reduce((n, d) => n + (d.typeId === 'mtty-2' ? 2 : 1), 0);
    t.is(avail(h.dir, 'mtty', 'mtty-1'), 24 - ports);
    t.is(avail(h.dir, 'mtty', 'mtty-2'), Math.floor((24 - ports) / 2));
    for (const ty of ['mtty-1', 'mtty-2']) {
      const linked = fs.readdirSync(path.join(pdir, 'mdev_supported_types', ty, 'devices')).sort();
      t.deepEqual(linked, devs.filter((d) => d.typeId === ty).map((d) => d.uuid).sort());
    }
    t.true(devs.length > 0);
  }
});
