// npm run demo must work on a fresh clone: exit 0, readable steps, the host as it was, no temp dir left.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';

test('the demo runs the whole VM life on a simulated host and cleans up after itself', async (t) => {
  const r = await execa(process.execPath, [path.join(repoRoot, 'dist/src/demo/main.js')], { reject: false, timeout: 120_000 });
  t.is(r.exitCode, 0, r.stderr);
  const o = r.stdout;
  for (const h of ['A fresh simulated host', 'virt-mdev transform', 'prepare → start → started', 'stopped → release', 'The hook log', 'A pool:', 'Five VMs draw', 'A reboot', 'Boot: virt-mdev autostart']) t.true(o.includes(h), h);
  t.regex(o, /hooks\/qemu demo-desktop prepare begin - < demo-desktop\.xml\n +exit 0/);
  t.regex(o, /after prepare[^\n]*\n(.*\n)*.*\+- mdev_[0-9a-f_]+_mtty/);
  t.regex(o, /sysfs identical to before the start: yes/);
  t.regex(o, /virt-mdev owns no devices/);
  // the pool part: four draw, the fifth is refused by check and by the hook with the pool's line
  t.regex(o, /serial +active +yes +mtty-2 +4 +4 +0/);
  t.regex(o, /draw member 0 of pool serial \([0-9a-f-]{36}, mtty-2 on mtty\): 4 of 4 free/);
  t.regex(o, /exit 7: virt-mdev: domain 'vdi5' mdev hostdev #1 \([0-9a-f-]{36}\): pool serial: 0 of 4 free \(lent to vdi1, vdi2, vdi3, vdi4\)/);
  t.regex(o, /hooks\/qemu vdi5 prepare begin - < vdi5\.xml\n +exit 1 in \d+ ms, no output, stderr: virt-mdev: .*pool serial: 0 of 4 free/);
  t.regex(o, /Free: +1\n +Lent: +3 \(to vdi2, vdi3, vdi4\)/);
  t.regex(o, /serial +inactive +yes +mtty-2 +4/);
  t.regex(o, /virt-mdev autostart[^]*serial +active +yes +mtty-2 +4 +4 +0/);
  const root = /host root: (\S+),/.exec(o)![1];
  t.false(fs.existsSync(root), 'the temporary host root is gone');
});
