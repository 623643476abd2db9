// The hook runs from a V8 code cache (src/util/code-cache.ts) kept in the user's cache directory
// (src/util/cache-dir.ts). It must never change what a call does: the same exit codes, output and
// host afterwards with the cache off, missing and present; a damaged, foreign, other user's or
// linked cache file is the same as none (and replaced); an unsafe cache directory gets nothing.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { devices, domainXml, hook, ledger, markRunning, simHost, uuid } from './helpers.js';

const FRESH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** prepare (two devices), a refusal, a migrate that rewrites a taken UUID, reconnect, release: what each printed and left */
async function scenario(env: Record<string, string>): Promise<unknown[]> {
  const sim = await simHost(['mtty']);
  try {
    const seen: unknown[] = [];
    const call = async (name: string, op: string, sub: string, xml: string): Promise<void> => {
      const r = await hook(sim.dir, name, op, sub, xml, env);
      // migrate's fresh UUIDs are random: their places are what must match
      seen.push({ op, exit: r.exitCode, stdout: String(r.stdout).replace(FRESH, 'UUID'), stderr: String(r.stderr).replace(FRESH, 'UUID') });
      seen.push({ devices: devices(sim.dir).length, ledger: ledger(sim.dir).map((e) => `${e.state} ${e.type} ${e.domain?.name ?? ''}`).sort() });
    };
    const taken = uuid();
    const vm = domainXml('vm', uuid(), [{ uuid: taken, type: 'mtty-2' }, { uuid: uuid(), type: 'mtty-1' }]);
    await call('vm', 'prepare', 'begin', vm);
    markRunning(sim.dir, 'vm', vm);
    await call('bad', 'prepare', 'begin', domainXml('bad', uuid(), [{ uuid: uuid(), type: 'no-such-type' }]));
    await call('incoming', 'migrate', 'begin', domainXml('incoming', uuid(), [{ uuid: taken, type: 'mtty-2' }]));
    await call('vm', 'reconnect', 'begin', vm);
    await call('vm', 'release', 'end', vm);
    return seen;
  } finally {
    sim.cleanup();
  }
}

const cacheEnv = (home: string): Record<string, string> => ({ XDG_CACHE_HOME: home });
const codeFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache')).sort() : []);
const inodes = (dir: string): string[] => codeFiles(dir).map((f) => `${f} ${fs.statSync(path.join(dir, f)).ino}`);

function cacheHome(t: ExecutionContext): string {
  const d = tempDir('virt-mdev-code-cache-');
  t.teardown(d.cleanup);
  return d.dir;
}

test('the same calls give the same results with the cache off, missing and in use', async (t) => {
  const home = cacheHome(t);
  const dir = path.join(home, 'virt-mdev');
  const off = await scenario({ VIRT_MDEV_CACHE: 'off', ...cacheEnv(home) });
  t.deepEqual(codeFiles(dir), [], 'VIRT_MDEV_CACHE=off writes no cache');
  t.is((off[0] as { exit: number }).exit, 0);
  t.is((off[4] as { exit: number }).exit, 0);
  t.regex((off[4] as { stdout: string }).stdout, /<domain/, 'migrate rewrote the taken UUID');
  const miss = await scenario(cacheEnv(home));
  t.deepEqual(miss, off);
  // one file per operation of the hook
  t.deepEqual(codeFiles(dir).map((f) => f.replace(/-[0-9a-f]{8}\.v8cache$/, '')), ['code-hook-migrate', 'code-hook-prepare', 'code-hook-reconnect', 'code-hook-release']);
  const written = inodes(dir);
  t.deepEqual(await scenario(cacheEnv(home)), off);
  t.deepEqual(inodes(dir), written, 'the cache files were used, not written again');
});

test('a damaged, foreign, other user\'s, group-writable or linked cache file is ignored and replaced', async (t) => {
  const home = cacheHome(t);
  const dir = path.join(home, 'virt-mdev');
  const want = await scenario({ VIRT_MDEV_CACHE: 'off' });
  t.deepEqual(await scenario(cacheEnv(home)), want);
  const files = codeFiles(dir).map((f) => path.join(dir, f));
  const prepare = files.find((f) => f.includes('-prepare-'))!;
  const release = files.find((f) => f.includes('-release-'))!;
  const good = new Map(files.map((f) => [f, fs.readFileSync(f)]));
  const damage: Array<[string, (f: string, b: Buffer) => void]> = [
    ['flipped bytes in the code', (f, b) => { const c = Buffer.from(b); for (let i = c.length - 40_000; i < c.length; i += 997) c[i]! ^= 0x5a; fs.writeFileSync(f, c); }],
    ['truncated', (f, b) => fs.writeFileSync(f, b.subarray(0, b.length >> 1))],
    ['empty', (f) => fs.writeFileSync(f, '')],
    ['garbage', (f, b) => fs.writeFileSync(f, Buffer.alloc(b.length, 0xa5))],
    // the release file under the prepare file's name: another key
    ['another operation\'s file', (f) => { if (f === prepare) fs.copyFileSync(release, f); else fs.copyFileSync(prepare, f); }],
    ['another user\'s', (f, b) => { fs.writeFileSync(f, b); if (process.geteuid?.() === 0) fs.chownSync(f, 65534, 65534); else fs.chmodSync(f, 0o666); }],
    ['group-writable', (f, b) => { fs.writeFileSync(f, b); fs.chmodSync(f, 0o664); }],
    ['a link to a good file', (f, b) => { fs.writeFileSync(`${f}.real`, b); fs.rmSync(f); fs.symlinkSync(`${f}.real`, f); }],
  ];
  for (const [what, spoil] of damage) {
    for (const f of files) spoil(f, good.get(f)!);
    t.deepEqual(await scenario(cacheEnv(home)), want, what);
    for (const f of files) {
      const st = fs.lstatSync(f);
      t.true(st.isFile() && st.uid === process.geteuid!() && (st.mode & 0o022) === 0, `${what}: ${path.basename(f)} replaced by a good one`);
      fs.rmSync(`${f}.real`, { force: true });
    }
  }
});

test('an unsafe cache directory gets nothing, and the hook works as without a cache', async (t) => {
  const home = cacheHome(t);
  const want = await scenario({ VIRT_MDEV_CACHE: 'off' });
  // each makes XDG_CACHE_HOME (home/<case>) with an unsafe virt-mdev in it; `watched` must stay as it is
  const unsafeDir = (name: string, spoil: (d: string) => void): { xdg: string; watched: string } => {
    const d = path.join(home, name, 'virt-mdev');
    fs.mkdirSync(d, { recursive: true });
    spoil(d);
    return { xdg: path.dirname(d), watched: d };
  };
  const unsafe: Array<[string, () => { xdg: string; watched: string }]> = [
    ['writable by others', () => unsafeDir('a', (d) => fs.chmodSync(d, 0o777))],
    ['group-writable', () => unsafeDir('b', (d) => fs.chmodSync(d, 0o775))],
    ['a link to a directory', () => {
      const real = path.join(home, 'real');
      fs.mkdirSync(real);
      return { ...unsafeDir('c', (d) => { fs.rmdirSync(d); fs.symlinkSync(real, d); }), watched: real };
    }],
    ['another user\'s', () => unsafeDir('d', (d) => (process.geteuid?.() === 0 ? fs.chownSync(d, 65534, 65534) : fs.chmodSync(d, 0o757)))],
    ['a file', () => ({ ...unsafeDir('e', (d) => { fs.rmdirSync(d); fs.writeFileSync(d, ''); }), watched: path.join(home, 'e') })],
  ];
  for (const [what, make] of unsafe) {
    const { xdg, watched } = make();
    const before = fs.readdirSync(watched).sort();
    t.deepEqual(await scenario(cacheEnv(xdg)), want, what);
    t.deepEqual(fs.readdirSync(watched).sort(), before, `${what}: nothing written`);
  }
});
