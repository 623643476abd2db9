// The compiled-schema cache (src/schemas/schema-cache.ts): a later run restores libxml2's memory with
// the schemas compiled instead of compiling them. It must never change a verdict: the same output with
// and without it over the corpus, and a stale, corrupted, truncated, foreign or unwritable cache is
// the same as none.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, snapshotTree, tempDir, virtMdev } from '../helpers/cli.js';
import { initSimHost } from '../../src/simhost/init.js';
import { xmlFilesUnder } from '../helpers/xml-files.js';

const dataDir = path.join(repoRoot, 'test/data/validate/schema-cache');
const libvirtReady = path.join(repoRoot, 'samples/domains/validate/valid/libvirt-dumpxml.xml');

function corpus(): string[] {
  return xmlFilesUnder('samples', 'test/data');
}

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

async function validate(cache: string | 'off', args: string[], root?: string): Promise<Run> {
  const env = cache === 'off' ? { VIRT_MDEV_SCHEMA_CACHE: 'off' } : { XDG_CACHE_HOME: cache, VIRT_MDEV_SCHEMA_CACHE: undefined };
  const r = await virtMdev([...(root ? ['--root', root] : []), 'validate', ...args], { env, timeoutMs: 120_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function cacheFiles(cacheHome: string): string[] {
  const dir = path.join(cacheHome, 'virt-mdev');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.rngcache')).map((f) => path.join(dir, f)) : [];
}

/** copy of the stand-in libvirt schema directory, to edit */
function libvirtCopy(dir: string): string {
  const to = path.join(dir, 'libvirt-schemas');
  fs.cpSync(path.join(dataDir, 'libvirt-schemas'), to, { recursive: true });
  return to;
}

for (const mode of [[], ['--no-libvirt'], ['--libvirt']]) {
  test(`the same output with and without the cache over the corpus ${mode.join(' ') || '(default)'}`, async (t) => {
    const { dir, cleanup } = tempDir();
    try {
      const args = ['--format', 'json', ...mode, ...corpus()];
      const off = await validate('off', args);
      const miss = await validate(dir, args);
      const [file] = cacheFiles(dir);
      t.truthy(file, 'the first run leaves a cache file');
      const ino = fs.statSync(file!).ino;
      const hit = await validate(dir, args);
      t.is(fs.statSync(file!).ino, ino, 'the second run uses the cache file, it does not write it again');
      t.is(off.stdout.length > 1000, true);
      t.deepEqual(miss, off);
      t.deepEqual(hit, off);
      // and one file at a time, as editors and pre-commit hooks run it
      const one = ['-q', ...mode, libvirtReady];
      t.deepEqual(await validate(dir, one), await validate('off', one));
    } finally {
      cleanup();
    }
  });
}

test('a change to a file a cached schema includes reaches the verdict', async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const schemas = libvirtCopy(dir);
    const args = ['--libvirt-schemas', schemas, libvirtReady];
    t.is((await validate(dir, args)).exitCode, 0);
    t.is((await validate(dir, args)).exitCode, 0);
    t.is(cacheFiles(dir).length, 1);
    const types = path.join(schemas, 'domain-types.rng');
    fs.writeFileSync(types, fs.readFileSync(types, 'utf8').replace('<value>kvm</value>', '<value>xen</value>'));
    const after = await validate(dir, args);
    t.is(after.exitCode, 1, after.stdout);
    t.regex(after.stdout, /libvirt domain\.rng/);
    t.deepEqual(after, await validate('off', args));
  } finally {
    cleanup();
  }
});

test('a corrupted, truncated, foreign or mislabelled cache file is ignored and replaced', async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const schemas = libvirtCopy(dir);
    const args = ['--format', 'json', '--libvirt-schemas', schemas, libvirtReady, path.join(repoRoot, 'samples/domains/validate/invalid/bad-uuid.xml')];
    const want = await validate('off', args);
    t.deepEqual(await validate(dir, args), want);
    const [file] = cacheFiles(dir);
    const good = fs.readFileSync(file!);
    // a cache file made for other schema paths (the default libvirt directory, or none)
    await validate(dir, ['--no-libvirt', libvirtReady]);
    const other = cacheFiles(dir).find((f) => f !== file)!;
    t.truthy(other);
    const damaged: Array<[string, (f: string) => void]> = [
      ['a flipped byte', (f) => { const b = Buffer.from(good); b[b.length - 70_000]! ^= 0x40; fs.writeFileSync(f, b); }],
      ['truncated', (f) => fs.writeFileSync(f, good.subarray(0, good.length >> 1))],
      ['empty', (f) => fs.writeFileSync(f, '')],
      ['another key', (f) => fs.copyFileSync(other, f)],
      ['another user', (f) => { fs.writeFileSync(f, good); if (process.getuid?.() === 0) fs.chownSync(f, 65534, 65534); }],
    ];
    for (const [what, damage] of damaged) {
      damage(file!);
      t.deepEqual(await validate(dir, args), want, what);
      // replaced by a good one of this user's, which the next run uses
      const st = fs.statSync(file!);
      t.not(st.uid, 65534, what);
      t.deepEqual(await validate(dir, args), want, what);
      t.is(fs.statSync(file!).ino, st.ino, `${what}: the replacement is used`);
    }
  } finally {
    cleanup();
  }
});

test('an unwritable cache directory means no cache, and no error', async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, '');
    const args = ['--format', 'json', libvirtReady];
    const r = await validate(notADir, args);
    t.deepEqual(r, await validate('off', args));
    t.is(r.exitCode, 0);
    t.is(r.stderr, '');
  } finally {
    cleanup();
  }
});

test('the cache never goes under --root', async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const host = (await initSimHost(path.join(dir, 'host'), ['mtty'])).root.dir;
    const before = snapshotTree(host);
    const cache = path.join(dir, 'cache');
    const r = await validate(cache, [libvirtReady], host);
    t.is(r.exitCode, 0, r.stderr);
    t.is(cacheFiles(cache).length, 1);
    t.deepEqual(snapshotTree(host), before);
  } finally {
    cleanup();
  }
});
