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
  for (const h of ['A fresh simulated host', 'virt-mdev transform', 'prepare → start → started', 'stopped → release', 'The hook log']) t.true(o.includes(h), h);
  t.regex(o, /hooks\/qemu demo-desktop prepare begin - < demo-desktop\.xml\n +exit 0/);
  t.regex(o, /after prepare[^\n]*\n(.*\n)*.*\+- mdev_[0-9a-f_]+_mtty/);
  t.regex(o, /sysfs identical to before the start: yes/);
  t.regex(o, /virt-mdev owns no devices/);
  const root = /host root: (\S+),/.exec(o)![1];
  t.false(fs.existsSync(root), 'the temporary host root is gone');
});
