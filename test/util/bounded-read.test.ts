// The one bounded reader behind every untrusted input (nodedev-create, validate, transform, the hook's
// stdin): never more than max + 1 bytes, whatever the input claims to be.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { readFileBounded, readStreamBounded } from '../../src/util/bounded-read.js';
import { tempDir } from '../helpers/cli.js';

test('a file of exactly max bytes is read whole; one byte more is too big', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const f = path.join(tmp.dir, 'x');
  fs.writeFileSync(f, 'a'.repeat(100_000));
  const r = readFileBounded(f, 100_000);
  t.true(r.ok);
  if (r.ok) t.is(r.data.length, 100_000);
  t.deepEqual(readFileBounded(f, 99_999), { ok: false, why: 'too-big' });
});

test('an endless character device is cut off at the bound, a directory is named, a missing file throws ENOENT', (t) => {
  t.deepEqual(readFileBounded('/dev/zero', 200_000), { ok: false, why: 'too-big' });
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  t.deepEqual(readFileBounded(tmp.dir, 10), { ok: false, why: 'directory' });
  t.throws(() => readFileBounded(path.join(tmp.dir, 'nope'), 10), { code: 'ENOENT' });
});

test('a pipe is read whole and byte for byte across many reads (its buffer grows), and cut off at the bound', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const src = path.join(tmp.dir, 'src');
  const data = Buffer.from(Array.from({ length: 300_001 }, (_, i) => (i * 7919) % 251));
  fs.writeFileSync(src, data);
  const through = (max: number) => {
    const fifo = path.join(tmp.dir, `fifo-${max}`);
    t.is(spawnSync('mkfifo', [fifo]).status, 0);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2" 2>/dev/null', 'sh', src, fifo], { stdio: 'ignore' });
    try {
      return readFileBounded(fifo, max);
    } finally {
      writer.kill();
    }
  };
  const whole = through(300_001);
  t.true(whole.ok);
  if (whole.ok) t.true(whole.data.equals(data));
  t.deepEqual(through(300_000), { ok: false, why: 'too-big' });
});

test('a stream is read to its end within the bound and refused past it', async (t) => {
  const ok = await readStreamBounded(Readable.from([Buffer.from('ab'), 'cd']), 4);
  t.true(ok.ok);
  if (ok.ok) t.is(ok.data.toString(), 'abcd');
  t.deepEqual(await readStreamBounded(Readable.from([Buffer.from('ab'), Buffer.from('cde')]), 4), { ok: false, why: 'too-big' });
});
