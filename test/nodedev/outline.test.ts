// nodedev-list's text (names, and the tree) comes from an outline of the host, which reads no
// attribute file: the same devices, kinds, parents and paths as the full collection (and the
// parents' drivers), without PCI ids, DMI, type attributes or an mdev's type, group and driver.
// What it does not read cannot leak or hang it either.
import test from 'ava';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { collectNodeDevices } from '../../src/nodedev/collect.js';
import type { NodeDevice } from '../../src/nodedev/model.js';
import { tempDir } from '../helpers/cli.js';
import { simHost } from './helpers.js';

const ALL_PROFILES = ['mtty', 'gvt-g', 'nvidia', 'ccw', 'ap'];

/** what the text list and tree show of a device */
const shape = (d: NodeDevice): unknown => ({
  name: d.name, kind: d.kind, parent: d.parent, path: 'path' in d ? d.path : undefined,
  driver: 'driver' in d && d.kind !== 'mdev' ? d.driver : undefined,
});

test('the outline has every device, with the kind, parent and path of the full collection (a parent\'s driver too)', async (t) => {
  const h = await simHost(...ALL_PROFILES);
  t.teardown(h.cleanup);
  const root = new HostRoot(h.dir);
  const bus = openMdevBus(root);
  await bus.create('mtty', 'mtty-2', crypto.randomUUID());
  await bus.create('0000:41:00.0', 'nvidia-63', crypto.randomUUID());
  const full = collectNodeDevices(root, bus);
  const outline = collectNodeDevices(root, bus, { detail: false });
  t.true(full.length > 10);
  t.deepEqual(outline.map(shape), full.map(shape));
  t.deepEqual(outline.map((d) => 'types' in d ? d.types.map((x) => x.id) : []), full.map((d) => 'types' in d ? d.types.map((x) => x.id) : []));
});

test('the outline reads no attribute file: one linked out of the root stops the full collection, not nodedev-list', async (t) => {
  const h = await simHost('mtty', 'gvt-g');
  t.teardown(h.cleanup);
  const outside = tempDir('virt-mdev-outside-');
  t.teardown(outside.cleanup);
  fs.writeFileSync(path.join(outside.dir, 'secret'), 'secret\n');
  for (const f of ['sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/name', 'sys/devices/pci0000:00/0000:00:02.0/vendor']) {
    fs.rmSync(path.join(h.dir, f));
    fs.symlinkSync(path.join(outside.dir, 'secret'), path.join(h.dir, f));
  }
  const root = new HostRoot(h.dir);
  t.throws(() => collectNodeDevices(root, openMdevBus(root)), { message: /outside the host root/ });
  const list = await h.run(['nodedev-list']);
  t.is(list.exitCode, 0, String(list.stderr));
  t.true(String(list.stdout).split('\n').includes('pci_0000_00_02_0'));
  const json = await h.run(['--json', 'nodedev-list']);
  t.not(json.exitCode, 0, 'the JSON list shows the attributes, so it reads them and refuses');
});
