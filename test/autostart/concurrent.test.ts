// Boot runs virt-mdev-autostart.service while udev asks for virt-mdev-autostart@<parent>.service:
// two autostarts at once must start each device exactly once, and both succeed.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { autostart, devices, hostWith } from './helpers.js';

test('two autostart processes at once start each device once', async (t) => {
  const h = await hostWith(['mtty', 'ap'], 'reboot');
  t.teardown(h.cleanup);
  const uuids = ['a1a1a1a1-0000-4000-8000-000000000001', 'b2b2b2b2-0000-4000-8000-000000000002'];
  for (let i = 0; i < 8; i++) {
    const u = `e5e5e5e5-0000-4000-8000-0000000000${(20 + i).toString()}`;
    fs.writeFileSync(path.join(h.dir, 'etc/mdevctl.d/mtty', u), '{"mdev_type": "mtty-1", "start": "auto"}');
    uuids.push(u);
  }
  const [x, y] = await Promise.all([autostart(h.dir), autostart(h.dir, ['--parent', 'mtty'])]);
  t.is(x.exitCode, 0, String(x.stderr));
  t.is(y.exitCode, 0, String(y.stderr));
  const all = [...String(x.stdout).split('\n'), ...String(y.stdout).split('\n')].filter((l) => l !== '');
  for (const u of uuids) {
    t.is(all.filter((l) => l.startsWith(u) && l.endsWith(': started')).length, 1, u);
  }
  t.deepEqual(devices(h.dir).map((d) => d.uuid).sort(), [...uuids].sort());
});
