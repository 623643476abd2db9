// realPath (src/util/real-path.ts) answers as realpath(3) does, in fewer system calls for a directory:
// the same path through links, the same errno for what is missing or not a directory.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realPath } from '../../src/util/real-path.js';
import { inDirMadeOnDemand } from '../../src/util/dir-on-demand.js';
import { tempDir } from '../helpers/cli.js';

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `error ${(e as NodeJS.ErrnoException).code}`;
  }
};

test('the same answers and errnos as fs.realpathSync.native, through links to directories and files', (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  fs.mkdirSync(path.join(dir, 'a/b/c'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a/b/file'), '');
  fs.symlinkSync('a/b', path.join(dir, 'link-to-b'));
  fs.symlinkSync('../b/c', path.join(dir, 'a/b/c-again'));
  fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
  const cases = ['a', 'a/b/c', 'link-to-b', 'link-to-b/c', 'link-to-b/c-again', 'a/b/file', 'link-to-b/file', 'dangling', 'missing', 'a/b/file/x', 'link-to-b/../a'];
  for (const c of cases) {
    const abs = path.join(dir, c);
    t.is(outcome(() => realPath(abs)), outcome(() => fs.realpathSync.native(abs)), c);
  }
  t.is(realPath(path.join(dir, 'link-to-b/c-again')), path.join(fs.realpathSync.native(dir), 'a/b/c'));
});

test('inDirMadeOnDemand makes the directory only when the write finds it missing; other errors pass through', (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const deep = path.join(dir, 'x/y/z');
  let tries = 0;
  t.is(inDirMadeOnDemand(deep, () => { tries++; fs.writeFileSync(path.join(deep, 'f'), '1'); return 'written'; }), 'written');
  t.is(tries, 2, 'the first try found the directory missing');
  tries = 0;
  inDirMadeOnDemand(deep, () => { tries++; fs.writeFileSync(path.join(deep, 'g'), '2'); });
  t.is(tries, 1, 'an existing directory: one try');
  t.throws(() => inDirMadeOnDemand(deep, () => fs.openSync(path.join(deep, 'f'), 'wx')), { code: 'EEXIST' });
});
