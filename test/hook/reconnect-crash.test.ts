// reconnect begin must exit 0 whatever happens to node: libvirt kills the running VM otherwise. A
// node that dies (here a stand-in that exits 70, as a half-upgraded install or an OOM kill would)
// must not turn into a non-zero hook status; prepare keeps reporting the failure.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { domainXml, hook, simHost, uuid } from './helpers.js';

test('reconnect exits 0 with one stderr line when node itself fails; prepare still fails', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const broken = path.join(sim.dir, 'broken-node');
  fs.writeFileSync(broken, '#!/bin/sh\ncat >/dev/null\nexit 70\n', { mode: 0o755 });
  const xml = domainXml('vmc', uuid(), [{ uuid: uuid(), type: 'mtty-2' }]);
  const r = await hook(sim.dir, 'vmc', 'reconnect', 'begin', xml, { VIRT_MDEV_NODE: broken });
  t.is(r.exitCode, 0);
  t.is(r.stdout, '');
  const lines = String(r.stderr).trim().split('\n');
  t.is(lines.length, 1);
  t.regex(lines[0], /^virt-mdev: .*status 70 during reconnect; the VM keeps running/);
  const p = await hook(sim.dir, 'vmc', 'prepare', 'begin', xml, { VIRT_MDEV_NODE: broken });
  t.is(p.exitCode, 70, 'prepare may fail, and does');
});
