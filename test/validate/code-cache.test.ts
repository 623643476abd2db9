// Plain `validate` runs from a V8 code cache (src/util/code-cache.ts, as the hook does): the cache
// never changes a verdict. The same output with the cache off, missing, in use and damaged, for one
// file (the flags of a short run) and for many (a run with worker threads, which start the same main).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { xmlFilesUnder } from '../helpers/xml-files.js';

/** a short run: a valid file and an invalid one */
const one = ['valid/libvirt-dumpxml.xml', 'invalid/bad-uuid.xml'].map((f) => path.join(repoRoot, 'samples/domains/validate', f));

async function run(cacheHome: string | 'off', files: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const env = cacheHome === 'off' ? { VIRT_MDEV_CACHE: 'off' } : { XDG_CACHE_HOME: cacheHome, VIRT_MDEV_CACHE: undefined };
  const r = await virtMdev(['validate', '--format', 'json', ...files], { env, timeoutMs: 120_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const codeCaches = (home: string): string[] => {
  const dir = path.join(home, 'virt-mdev');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^code-validate-fast-.*\.v8cache$/.test(f)).map((f) => path.join(dir, f)) : [];
};

for (const [what, files] of [['a short run', one], ['many files', xmlFilesUnder('samples', 'test/data')]] as const) {
  test(`${what}: the same results with the code cache off, missing, in use and damaged`, async (t) => {
    const { dir, cleanup } = tempDir();
    t.teardown(cleanup);
    const off = await run('off', files);
    t.true(off.stdout.length > 100);
    t.deepEqual(await run(dir, files), off, 'missing');
    const written = codeCaches(dir);
    t.true(written.length >= 1, 'the first run leaves a code cache');
    const ino = written.map((f) => fs.statSync(f).ino);
    t.deepEqual(await run(dir, files), off, 'in use');
    t.deepEqual(codeCaches(dir).map((f) => fs.statSync(f).ino), ino, 'a cache in use is not written again');
    for (const f of written) fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 200));
    t.deepEqual(await run(dir, files), off, 'damaged');
  });
}
