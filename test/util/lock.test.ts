// The cross-process lock (src/util/lock.ts): flock(2) on a lock file, so it excludes every process of
// the machine (other network namespaces too), every purpose and root has its own, the kernel drops
// it the moment its holder dies, and an unlinked lock file never lets a second process in.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostRoot, SIM_LOCK_DIR } from '../../src/host/root.js';
import { rebootSimHost } from '../../src/simhost/reboot.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';
import { acquireLock, fallbackFilePath } from '../../src/util/lock.js';
import { tempDir } from '../helpers/cli.js';
import { freshHost, sleep, until } from '../simhost/sim-helpers.js';

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lock-child.js');

interface Holder { proc: ChildProcess; out: string[]; line(n: number): Promise<string> }

/** node lock-child.js in a process of its own (behind a wrapper such as unshare when given) */
function holder(root: string, name: string, timeoutMs: number, opts: { dir?: string; wrap?: string[] } = {}): Holder {
  const argv = [process.execPath, childScript, root, name, opts.dir ?? '-', String(timeoutMs)];
  const [cmd, ...args] = [...(opts.wrap ?? []), ...argv];
  const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: string[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    out.push(...parts);
  });
  return {
    proc, out,
    async line(n: number) {
      if (!(await until(() => out.length > n || proc.exitCode !== null, 60_000)) || out.length <= n) throw new Error(`lock child said only ${JSON.stringify(out)}`);
      return out[n]!;
    },
  };
}

function ended(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

/** the flock(1) child of a waiting holder has been spawned, so it has opened its lock file */
async function waiting(h: Holder): Promise<void> {
  const children = `/proc/${h.proc.pid}/task/${h.proc.pid}/children`;
  if (!(await until(() => fs.readFileSync(children, 'utf8').trim() !== '', 30_000))) throw new Error('the lock child never started flock(1)');
}

const TIMEOUT_RE = /^timed out after \d+ s waiting for the virt-mdev 'ledger' lock on host root .*: another virt-mdev process holds it; retry, or find it with 'ps -ef \| grep virt-mdev'$/;

test('a lock held by another process keeps this one out until it is released', async (t) => {
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const other = holder(tmp.dir, 'ledger', 5_000);
  t.teardown(() => { other.proc.kill('SIGKILL'); });
  t.is(await other.line(0), 'acquired');
  const e = await t.throwsAsync(acquireLock(tmp.dir, 'ledger', { timeoutMs: 300 }), { instanceOf: VirtMdevError, message: TIMEOUT_RE });
  t.is(e?.exitCode, ExitCode.TIMEOUT);
  t.true(fs.statSync(path.join(tmp.dir, 'run/virt-mdev/locks/ledger.lock')).isFile());
  const mine = acquireLock(tmp.dir, 'ledger', { timeoutMs: 30_000 });
  other.proc.stdin!.end();
  t.is(await other.line(1), 'released');
  await (await mine).release();
});

test('SIGKILL of the holder releases the lock at once', async (t) => {
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const other = holder(tmp.dir, 'ledger', 5_000);
  t.is(await other.line(0), 'acquired');
  const mine = acquireLock(tmp.dir, 'ledger', { timeoutMs: 30_000 });
  await sleep(200);
  const t0 = Date.now();
  other.proc.kill('SIGKILL');
  const lock = await mine;
  const ms = Date.now() - t0;
  await lock.release();
  t.log(`lock taken ${ms} ms after the holder was killed`);
  // the kernel hands the lock over when the holder's descriptors close: no polling, no timeout
  t.true(ms < 3_000, `${ms} ms`);
  // and no helper of the dead holder is left behind
  await ended(other.proc);
  t.is(spawnSync('pgrep', ['-P', String(other.proc.pid)]).status, 1);
});

test('every purpose and every root has its own lock; two purposes nest in one process', async (t) => {
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const [a, b] = [path.join(tmp.dir, 'a'), path.join(tmp.dir, 'b')];
  const ledgerA = await acquireLock(a, 'ledger', { timeoutMs: 10_000 });
  // Node 18's libuv cut the old abstract-socket names at their NUL: this waited for 60 s there
  const simA = await acquireLock(a, 'simkernel', { timeoutMs: 10_000 });
  const ledgerB = await acquireLock(b, 'ledger', { timeoutMs: 10_000 });
  const other = holder(a, 'ledger', 300);
  t.regex(await other.line(0), /^error 9 timed out after 0 s waiting for the virt-mdev 'ledger' lock/);
  for (const l of [simA, ledgerB, ledgerA]) await l.release();
  t.deepEqual(fs.readdirSync(path.join(a, 'run/virt-mdev/locks')).sort(), ['ledger.lock', 'simkernel.lock']);
  // and a second acquire in the same process waits like any other (the lock is not re-entrant)
  const again = await acquireLock(a, 'ledger');
  await t.throwsAsync(acquireLock(a, 'ledger', { timeoutMs: 200 }), { message: TIMEOUT_RE });
  await again.release();
});

test('a waiter whose lock file was unlinked meanwhile locks the new file, and waits for its holder', async (t) => {
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const file = path.join(tmp.dir, 'run/virt-mdev/locks/ledger.lock');
  const first = await acquireLock(tmp.dir, 'ledger');
  const waiter = holder(tmp.dir, 'ledger', 30_000);
  t.teardown(() => { waiter.proc.kill('SIGKILL'); });
  await waiting(waiter);
  fs.unlinkSync(file);
  // whoever comes now creates and locks a new file: the holder of the old one cannot stop that
  const second = await acquireLock(tmp.dir, 'ledger', { timeoutMs: 10_000 });
  await first.release();
  // the waiter now holds the old, unlinked file: it must see that and queue for the new one
  await sleep(700);
  t.deepEqual(waiter.out, []);
  await second.release();
  t.is(await waiter.line(0), 'acquired');
  waiter.proc.stdin!.end();
  t.is(await waiter.line(1), 'released');
});

test('a simulated host keeps its lock files outside run/: a reboot leaves a held ledger lock held', async (t) => {
  const h = await freshHost(['mtty']);
  t.teardown(h.cleanup);
  const lockDir = path.join(fs.realpathSync(h.dir), SIM_LOCK_DIR);
  t.is(h.root.lockDir, lockDir);
  t.deepEqual(fs.readdirSync(lockDir).sort(), ['ledger.lock', 'simkernel.lock']);
  const held = await acquireLock(h.root.realDir, 'ledger', { dir: h.root.lockDir });
  fs.mkdirSync(path.join(h.dir, 'run/virt-mdev'), { recursive: true });
  await rebootSimHost(h.root);
  t.deepEqual(fs.readdirSync(path.join(h.dir, 'run')), []);
  const other = holder(h.root.realDir, 'ledger', 300, { dir: new HostRoot(h.dir).lockDir });
  t.regex(await other.line(0), /^error 9 timed out after 0 s waiting for the virt-mdev 'ledger' lock/);
  await held.release();
});

const canUnshare = (flag: string): boolean => spawnSync('unshare', [flag, 'true']).status === 0;

test('a process in another network namespace is kept out too', async (t) => {
  if (!canUnshare('-n')) {
    t.log('skipped: unshare -n is not permitted here (needs root)');
    t.pass();
    return;
  }
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const held = await acquireLock(tmp.dir, 'ledger');
  const other = holder(tmp.dir, 'ledger', 300, { wrap: ['unshare', '-n'] });
  t.regex(await other.line(0), /^error 9 timed out after 0 s waiting for the virt-mdev 'ledger' lock/);
  await held.release();
});

test('on a read-only run/, every process falls back to one lock file derived from the root', async (t) => {
  if (!canUnshare('-m')) {
    t.log('skipped: unshare -m is not permitted here (needs root)');
    t.pass();
    return;
  }
  const tmp = tempDir('virt-mdev-lock-');
  t.teardown(tmp.cleanup);
  const root = fs.realpathSync(tmp.dir);
  fs.mkdirSync(path.join(root, 'run'));
  const fallback = fallbackFilePath(root, 'ledger');
  t.teardown(() => fs.rmSync(fallback, { force: true }));
  // each process in a mount namespace of its own where ROOT/run is a read-only tmpfs
  const wrap = ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o ro none '${root}/run' && exec "$@"`, 'sh'];
  const first = holder(root, 'ledger', 5_000, { wrap });
  t.teardown(() => { first.proc.kill('SIGKILL'); });
  t.is(await first.line(0), 'acquired');
  const second = holder(root, 'ledger', 300, { wrap });
  t.regex(await second.line(0), /^error 9 timed out/);
  t.true(fs.statSync(fallback).isFile());
  t.deepEqual(fs.readdirSync(path.join(root, 'run')), []);
  first.proc.stdin!.end();
  t.is(await first.line(1), 'released');
});
