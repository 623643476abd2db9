// transform -o writes where a shell redirection would, but never leaves half a file: a regular file
// is replaced atomically (through a link: the target, never the link), a device or FIFO is written
// through, /dev/stdout and /dev/fd/N are the open descriptors, anything else is refused in one line.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/util/errors.js';
import { cliPath, tempDir, virtMdev } from '../helpers/cli.js';
import { corpusDir } from '../domainxml/corpus.js';

const input = path.join(corpusDir, 'every-form-in-one-domain.xml');
const expected = (await virtMdev(['transform', input])).stdout as string;

test('the transformed document is what -o targets receive below', (t) => {
  t.true(expected.includes('<virt-mdev:mdev'));
});

test('a symlink to a file: the target is replaced (keeping its mode), the link stays a link', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  fs.mkdirSync(path.join(dir, 'real'));
  const target = path.join(dir, 'real/vm.xml');
  fs.writeFileSync(target, 'old', { mode: 0o640 });
  fs.chmodSync(target, 0o640);
  fs.symlinkSync('real/vm.xml', path.join(dir, 'link.xml'));
  fs.symlinkSync('link.xml', path.join(dir, 'link2.xml'));
  const r = await virtMdev(['transform', input, '-o', path.join(dir, 'link2.xml')]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.true(fs.lstatSync(path.join(dir, 'link2.xml')).isSymbolicLink());
  t.true(fs.lstatSync(path.join(dir, 'link.xml')).isSymbolicLink());
  t.is(fs.readlinkSync(path.join(dir, 'link.xml')), 'real/vm.xml');
  t.is(fs.readFileSync(target, 'utf8'), expected);
  t.is(fs.statSync(target).mode & 0o777, 0o640);
  t.deepEqual(fs.readdirSync(path.join(dir, 'real')), ['vm.xml'], 'no temporary file left');
});

test('a dangling symlink: its target is created, the link stays', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  fs.symlinkSync('new.xml', path.join(dir, 'out.xml'));
  const r = await virtMdev(['transform', input, '-o', path.join(dir, 'out.xml')]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.true(fs.lstatSync(path.join(dir, 'out.xml')).isSymbolicLink());
  t.is(fs.readFileSync(path.join(dir, 'new.xml'), 'utf8'), expected);
});

test('a FIFO is written through and stays a FIFO', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const fifo = path.join(dir, 'pipe');
  await execa('mkfifo', [fifo]);
  // the reading end first (non-blocking), so the writer's open does not wait; the result fits the pipe's buffer
  const rfd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  t.teardown(() => fs.closeSync(rfd));
  const r = await virtMdev(['transform', input, '-o', fifo]);
  t.is(r.exitCode, 0, String(r.stderr));
  const buf = Buffer.alloc(1 << 16);
  let n = 0;
  try { n = fs.readSync(rfd, buf, 0, buf.length, null); } catch { /* EAGAIN: nothing came through the pipe */ }
  t.is(buf.subarray(0, n).toString('utf8'), expected);
  t.true(fs.lstatSync(fifo).isFIFO());
  t.deepEqual(fs.readdirSync(dir), ['pipe']);
});

test('a character device is written through and stays a device (mknod: root only)', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const dev = path.join(dir, 'null');
  const mk = await execa('mknod', [dev, 'c', '1', '3'], { reject: false });
  if (mk.exitCode !== 0) {
    if (process.env.CI && process.getuid?.() === 0) t.fail(`mknod failed as root: ${String(mk.stderr)}`);
    t.log('skipped: mknod needs root');
    t.pass();
    return;
  }
  const before = fs.statSync(dev);
  const r = await virtMdev(['transform', input, '-o', dev]);
  t.is(r.exitCode, 0, String(r.stderr));
  const after = fs.lstatSync(dev);
  t.true(after.isCharacterDevice());
  t.is(after.rdev, before.rdev);
  t.is(after.ino, before.ino);
  t.deepEqual(fs.readdirSync(dir), ['null']);
});

test('-o /dev/stdout and -o /dev/fd/1 write to the standard output itself', async (t) => {
  for (const target of ['/dev/stdout', '/dev/fd/1']) {
    const r = await virtMdev(['transform', input, '-o', target]);
    t.is(r.exitCode, 0, `${target}: ${String(r.stderr)}`);
    t.is(r.stdout, expected, target);
  }
  t.true(fs.lstatSync('/dev/stdout').isSymbolicLink(), '/dev/stdout is still the link it was');
});

test('-o /dev/stdout appends when the shell appends (>>): the descriptor is written, never reopened', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const out = path.join(dir, 'all.xml');
  fs.writeFileSync(out, 'first\n');
  const r = await execa('sh', ['-c', `"${process.execPath}" "$@" >> "${out}"`, 'sh', cliPath, 'transform', input, '-o', '/dev/stdout'], { reject: false });
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(fs.readFileSync(out, 'utf8'), `first\n${expected}`);
});

test('a directory (or a link to one) is refused in one line, nothing is written', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  fs.mkdirSync(path.join(dir, 'd'));
  fs.symlinkSync('d', path.join(dir, 'dl'));
  for (const target of ['d', 'dl']) {
    const r = await virtMdev(['transform', input, '-o', path.join(dir, target)]);
    t.is(r.exitCode, ExitCode.USAGE);
    t.is(String(r.stderr), `virt-mdev: cannot write '${path.join(dir, target)}': it is a directory; name a file to write the result to\n`);
  }
  t.deepEqual(fs.readdirSync(path.join(dir, 'd')), []);
  t.true(fs.lstatSync(path.join(dir, 'dl')).isSymbolicLink());
});
