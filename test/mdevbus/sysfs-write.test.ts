// sysfsWrite on a root that is not simulated: one open(2) without O_CREAT and one write(2).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { sysfsWrite } from '../../src/mdevbus/sysfs-write.js';
import { normaliseSysError, sysError } from '../../src/simhost/errno.js';
import { tempDir } from '../helpers/cli.js';

test('on a plain root the write lands in the file and a missing attribute is ENOENT, never created', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const root = new HostRoot(tmp.dir);
  fs.mkdirSync(path.join(tmp.dir, 'sys/x'), { recursive: true });
  fs.writeFileSync(path.join(tmp.dir, 'sys/x/attr'), 'old-content');
  await sysfsWrite(root, '/sys/x/attr', '1');
  t.is(fs.readFileSync(path.join(tmp.dir, 'sys/x/attr'), 'utf8'), '1ld-content'); // no O_TRUNC, like sysfs
  const e = await t.throwsAsync(sysfsWrite(root, '/sys/x/create', 'x'));
  t.like(e as object, { code: 'ENOENT', syscall: 'open' });
  t.false(fs.existsSync(path.join(tmp.dir, 'sys/x/create')));
});

test('an errno Node cannot name (EUSERS, 87) gets its Linux name', (t) => {
  const raw = Object.assign(new Error('UNKNOWN: unknown error, write'), { code: 'UNKNOWN', errno: -87, syscall: 'write' });
  t.like(normaliseSysError(raw) as object, { code: 'EUSERS', errno: -87, message: 'EUSERS: too many users, write' });
  t.like(sysError('ENOSPC', 'write'), { code: 'ENOSPC', errno: -28, syscall: 'write', message: 'ENOSPC: no space left on device, write' });
  t.like(sysError('ENOENT', 'open', '/sys/x'), { errno: -2, path: '/sys/x', message: "ENOENT: no such file or directory, open '/sys/x'" });
});
