// The one atomic writer (ledger, mdevctl definitions, pools, transform -o): a failed write leaves the
// old file and nothing else, whatever failed (the data, fsync, close, the rename), and a stale
// temporary file of an earlier try never turns the next try into EEXIST.
import test from 'ava';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { FILL_FS, inTinyTmpfs, needTmpfs } from '../helpers/tmpfs.js';

const fsCjs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;

/** Make one fs function throw `code` while fn runs (the ESM bindings follow via syncBuiltinESMExports). */
function withFault(name: string, code: string, fn: () => void): void {
  const original = fsCjs[name];
  fsCjs[name] = () => { throw Object.assign(new Error(`${code}: injected in ${name}`), { code }); };
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    fsCjs[name] = original;
    syncBuiltinESMExports();
  }
}

for (const [fn, code] of [['writeSync', 'ENOSPC'], ['fsyncSync', 'EIO'], ['closeSync', 'EDQUOT']] as const) {
  test(`a failing ${fn} (${code}) leaves the old file and no temporary file`, (t) => {
    const tmp = tempDir();
    t.teardown(tmp.cleanup);
    const file = path.join(tmp.dir, 'ledger.json');
    writeFileAtomic(file, 'old\n');
    withFault(fn, code, () => {
      t.throws(() => writeFileAtomic(file, Buffer.from('new\n')), { code });
    });
    t.deepEqual(fs.readdirSync(tmp.dir), ['ledger.json']);
    t.is(fs.readFileSync(file, 'utf8'), 'old\n');
    writeFileAtomic(file, 'new\n');
    t.is(fs.readFileSync(file, 'utf8'), 'new\n', 'the next try succeeds');
  });
}

test('a failing rename (the target became a directory) leaves no temporary file', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const file = path.join(tmp.dir, 'x.xml');
  fs.mkdirSync(path.join(file, 'sub'), { recursive: true });
  t.throws(() => writeFileAtomic(file, 'data'));
  t.deepEqual(fs.readdirSync(tmp.dir), ['x.xml']);
});

test('stale temporary files of earlier tries (same process id, same clock) never make a write fail with EEXIST', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const file = path.join(tmp.dir, 'pool.xml');
  // what crashed earlier writers with this process id could have left, named by the clock, up to 2 s ahead of it
  let stale = 0;
  for (let ms = Date.now(); ms < Date.now() + 2000; ms++, stale++) {
    fs.writeFileSync(path.join(tmp.dir, `.pool.xml.${process.pid}.${ms.toString(36)}.tmp`), '');
  }
  writeFileAtomic(file, 'fresh');
  t.is(fs.readFileSync(file, 'utf8'), 'fresh');
  t.is(fs.readdirSync(tmp.dir).length, stale + 1, 'only the stale files and the new one');
});

test('temporary files are named .NAME.RANDOM.tmp: never a UUID (mdevctl skips them), within NAME_MAX', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const seen: string[] = [];
  withFault('renameSync', 'EXDEV', () => {
    const original = fsCjs.openSync as (...a: unknown[]) => number;
    fsCjs.openSync = (...a: unknown[]) => { seen.push(String(a[0])); return original(...a); };
    syncBuiltinESMExports();
    try {
      t.throws(() => writeFileAtomic(path.join(tmp.dir, '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b'), 'x'), { code: 'EXDEV' });
      t.throws(() => writeFileAtomic(path.join(tmp.dir, 'n'.repeat(255)), 'x'), { code: 'EXDEV' });
    } finally {
      fsCjs.openSync = original;
    }
  });
  t.is(seen.length, 2);
  t.regex(path.basename(seen[0]!), /^\.0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b\.[0-9a-f]{12}\.tmp$/);
  t.true(path.basename(seen[1]!).length <= 255);
  t.deepEqual(fs.readdirSync(tmp.dir), []);
});

test('ENOSPC on a real full file system (tmpfs): each try fails with ENOSPC, the old ledger stays, no temporary file is left', async (t) => {
  if (!(await needTmpfs(t))) return;
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const fsDir = path.join(tmp.dir, 'fs');
  fs.mkdirSync(fsDir);
  const script = path.join(tmp.dir, 'try.mjs');
  const dist = (p: string): string => pathToFileURL(path.join(repoRoot, 'dist/src', p)).href;
  fs.writeFileSync(script, `
import * as fs from 'node:fs';
import { writeFileAtomic } from '${dist('util/atomic.js')}';
import { HostRoot } from '${dist('host/root.js')}';
import { readLedger, writeLedger } from '${dist('ledger/store.js')}';
const dir = process.argv[2];
const root = new HostRoot(dir);
const entry = (i) => ({ uuid: '0b2f5a3e-6c1d-4e8f-9a7b-' + String(i).padStart(12, '0'), parent: 'mtty', type: 'mtty-1', state: 'active', origin: 'created' });
writeLedger(root, { version: 1, devices: [entry(0)] });
writeFileAtomic(dir + '/state', 'old');
const errors = [];
for (let i = 0; i < 3; i++) {
  try { writeFileAtomic(dir + '/state', Buffer.alloc(1 << 20, 120)); errors.push('none'); } catch (e) { errors.push(e.code); }
  // the ledger's writer names the ledger (not the temporary file) in one line; the errno is its cause
  try { writeLedger(root, { version: 1, devices: Array.from({ length: 20000 }, (_, k) => entry(k)) }); errors.push('none'); }
  catch (e) { errors.push(e.message.startsWith("cannot write the ledger '" + dir + "/run/virt-mdev/ledger.json': ENOSPC") ? e.cause.code : e.message); }
}
console.log(JSON.stringify({ errors, top: fs.readdirSync(dir).sort(), run: fs.readdirSync(dir + '/run/virt-mdev'),
  state: fs.readFileSync(dir + '/state', 'utf8'), ledger: readLedger(root).devices.length }));
`);
  const r = await inTinyTmpfs(fsDir, '64k', `node "${script}" "$FS"`);
  t.is(r.exitCode, 0, String(r.stderr));
  const out = JSON.parse(String(r.stdout)) as { errors: string[]; top: string[]; run: string[]; state: string; ledger: number };
  t.deepEqual(out.errors, ['ENOSPC', 'ENOSPC', 'ENOSPC', 'ENOSPC', 'ENOSPC', 'ENOSPC'], 'the real error every time, never EEXIST');
  t.deepEqual(out.top, ['run', 'state']);
  t.deepEqual(out.run, ['ledger.json'], 'no temporary file next to the ledger');
  t.is(out.state, 'old');
  t.is(out.ledger, 1, 'the previous ledger is intact');
});

test('transform -o onto a full file system: one line naming the file and ENOSPC, twice; the old output stays, nothing else appears', async (t) => {
  if (!(await needTmpfs(t))) return;
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const fsDir = path.join(tmp.dir, 'fs');
  fs.mkdirSync(fsDir);
  const input = path.join(repoRoot, 'samples/domains/every-form-in-one-domain.xml');
  const cli = path.join(repoRoot, 'dist/src/cli/main.js');
  const r = await inTinyTmpfs(fsDir, '64k', [
    'printf old > "$FS/out.xml"',
    FILL_FS,
    `for i in 1 2; do node "${cli}" transform "${input}" -o "$FS/out.xml"; echo "exit=$?"; done`,
    'ls -a "$FS"; echo; cat "$FS/out.xml"',
  ].join('\n'));
  const stderr = String(r.stderr).trimEnd().split('\n');
  t.is(stderr.length, 2, String(r.stderr));
  for (const line of stderr) t.is(line, `virt-mdev: cannot write '${fsDir}/out.xml': ENOSPC (no space left on the file system)`);
  t.deepEqual(String(r.stdout).split('\n'), ['exit=2', 'exit=2', '.', '..', 'fill', 'out.xml', '', 'old']);
});
