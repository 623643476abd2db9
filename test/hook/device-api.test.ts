// device_api against the hostdev's model on every way prepare finds a device, as a table: a managed
// device on a parent the domain names, on a parent prepare chooses, an existing device it adopts, and
// an unmanaged one; each through the hook's prepare (as libvirt runs it) and through `virt-mdev check`.
// mtty's types are vfio-pci; the domains ask for vfio-ccw. (Defined devices: defined.test.ts; pool
// draws: pool-draw.test.ts.) Each row: refused naming both, nothing created, the ledger untouched.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, createByHand, domainXml, hook, ledger, simHost, sysSnapshot, uuid, type ManagedSpec, type UnmanagedSpec } from './helpers.js';

interface Row {
  name: string;
  /** an existing device of type mtty-2 (made by hand) the domain names */
  existing?: boolean;
  managed?: (dev: string) => ManagedSpec;
  unmanaged?: (dev: string) => UnmanagedSpec;
}

const MODEL = 'vfio-ccw';
const rows: Row[] = [
  { name: 'a named parent', managed: (dev) => ({ uuid: dev, type: 'mtty-2', parent: 'mtty', model: MODEL }) },
  { name: 'a chosen parent', managed: (dev) => ({ uuid: dev, type: 'mtty-2', model: MODEL }) },
  { name: 'an adopted device', existing: true, managed: (dev) => ({ uuid: dev, type: 'mtty-2', model: MODEL }) },
  { name: 'an unmanaged device', existing: true, unmanaged: (dev) => ({ uuid: dev, model: MODEL }) },
];

for (const row of rows) {
  for (const via of ['prepare', 'check'] as const) {
    test(`device_api: ${via} refuses model='${MODEL}' for ${row.name} of a vfio-pci type`, async (t) => {
      const sim = await simHost(['mtty']);
      t.teardown(sim.cleanup);
      const dev = uuid();
      if (row.existing) await createByHand(sim.dir, 'mtty', 'mtty-2', dev);
      const xml = domainXml('api', uuid(), row.managed ? [row.managed(dev)] : [], row.unmanaged ? [row.unmanaged(dev)] : []);
      const sys = sysSnapshot(sim.dir);
      const owned = ledger(sim.dir);
      let r;
      if (via === 'prepare') r = await hook(sim.dir, 'api', 'prepare', 'begin', xml);
      else {
        const f = path.join(sim.dir, 'api.xml');
        fs.writeFileSync(f, xml);
        r = await cli(sim.dir, ['check', f]);
        fs.rmSync(f);
      }
      t.not(r.exitCode, 0);
      t.regex(`${String(r.stdout)}${String(r.stderr)}`, /device_api 'vfio-pci' but the hostdev has model='vfio-ccw'/);
      t.deepEqual(sysSnapshot(sim.dir), sys, 'no device created or removed');
      t.deepEqual(ledger(sim.dir), owned, 'the ledger is untouched');
    });
  }
}
