// 30 processes race for the 12 mtty-2 instances of one simulated host: the lock and the single
// commit point must give exactly 12 devices, 18 capacity errors and no half-created device.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/cli.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { freshHost, uuidN } from '../simhost/sim-helpers.js';

const busModule = pathToFileURL(path.join(repoRoot, 'dist/src/mdevbus/bus.js')).href;
const rootModule = pathToFileURL(path.join(repoRoot, 'dist/src/host/root.js')).href;

function createInChild(dir: string, uuid: string): Promise<string> {
  const code = `
    const { openMdevBus } = await import(${JSON.stringify(busModule)});
    const { HostRoot } = await import(${JSON.stringify(rootModule)});
    try {
      await openMdevBus(new HostRoot(process.argv[1])).create('mtty', 'mtty-2', process.argv[2]);
      process.stdout.write('ok');
    } catch (e) {
      process.stdout.write(e.reason ?? String(e));
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, dir, uuid], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

test('30 concurrent creates of mtty-2: 12 succeed, 18 get no-capacity, nothing half-made', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const uuids = Array.from({ length: 30 }, (_, i) => uuidN(i + 1));
  const results = await Promise.all(uuids.map((u) => createInChild(h.dir, u)));
  t.is(results.filter((r) => r === 'ok').length, 12, results.join(' '));
  t.is(results.filter((r) => r === 'no-capacity').length, 18, results.join(' '));
  const bus = openMdevBus(h.root);
  const devs = bus.listDevices();
  t.is(devs.length, 12);
  t.deepEqual(devs.map((d) => d.uuid).sort(), uuids.filter((_, i) => results[i] === 'ok').sort());
  for (const d of devs) {
    t.is(d.typeId, 'mtty-2');
    t.is(typeof d.iommuGroup, 'number');
  }
  // every device directory under the parent is on the bus; every group and type link belongs to one
  const pdir = path.join(h.dir, 'sys/devices/virtual/mtty/mtty');
  const dirs = fs.readdirSync(pdir).filter((n) => /^[0-9a-f-]{36}$/.test(n)).sort();
  t.deepEqual(dirs, devs.map((d) => d.uuid).sort());
  t.deepEqual(fs.readdirSync(path.join(pdir, 'mdev_supported_types/mtty-2/devices')).sort(), dirs);
  t.is(fs.readdirSync(path.join(h.dir, 'sys/kernel/iommu_groups')).length, 12);
  t.deepEqual(new Set(devs.map((d) => d.iommuGroup)).size, 12);
  const mtty = bus.getParent('mtty');
  t.is(mtty.types.find((x) => x.id === 'mtty-2')!.availableInstances, 0);
  t.is(mtty.types.find((x) => x.id === 'mtty-1')!.availableInstances, 0);
});
