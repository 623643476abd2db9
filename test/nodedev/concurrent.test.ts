// 30 `virt-mdev nodedev-create` processes race for mtty-2 (12 instances) on one simulated host:
// exactly 12 win, 18 get the capacity error, nothing is left half-created.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { available, createdName, listNames, mdevXml, simHost } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('30 concurrent nodedev-create for mtty-2: 12 succeed, 18 fail with NO_CAPACITY, none half-created', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const file = h.file('mtty2.xml', mdevXml('mtty_mtty', 'mtty-2'));
  const results = await Promise.all(Array.from({ length: 30 }, () => h.run(['nodedev-create', file])));

  const ok = results.filter((r) => r.exitCode === 0);
  const full = results.filter((r) => r.exitCode === 7);
  t.is(ok.length, 12, results.filter((r) => r.exitCode !== 0 && r.exitCode !== 7).map((r) => String(r.stderr)).join('\n'));
  t.is(full.length, 18);
  for (const r of full) {
    const first = String(r.stderr).split('\n')[0]!;
    t.regex(first, /^virt-mdev: cannot create mdev [0-9a-f-]{36} of type mtty-2 on parent mtty: no capacity left \(ENOSPC\)/);
    t.is(String(r.stdout), '');
  }

  const created = ok.map((r) => createdName(String(r.stdout))).sort();
  t.is(new Set(created).size, 12);
  t.deepEqual(await listNames(h, '--cap', 'mdev'), created);
  t.deepEqual(await available(h, 'mtty_mtty'), { 'mtty-1': 0, 'mtty-2': 0 });

  // complete devices only: every directory under the parent is on the bus with its links, and nothing else exists
  const parentDir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty');
  const dirs = fs.readdirSync(parentDir).filter((n) => UUID.test(n)).sort();
  const onBus = fs.readdirSync(path.join(h.dir, 'sys/bus/mdev/devices')).sort();
  t.deepEqual(dirs, onBus);
  t.is(dirs.length, 12);
  for (const u of dirs) {
    t.is(path.basename(fs.readlinkSync(path.join(parentDir, u, 'mdev_type'))), 'mtty-2');
    t.true(fs.existsSync(path.join(parentDir, u, 'iommu_group')));
    t.true(fs.existsSync(path.join(parentDir, 'mdev_supported_types/mtty-2/devices', u)));
  }
  t.deepEqual(fs.readdirSync(path.join(parentDir, 'mdev_supported_types/mtty-1/devices')), []);
});
