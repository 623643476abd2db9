// One remover process for all of a call's devices, on a real (not simulated) root: each `remove`
// here is a FIFO, so its open(2) blocks until the test reads it, as the kernel blocks the write for
// a device still held open. More blocked writes than libuv's four pool threads must not hold back
// the others, and a write still blocked at the bound is reported as 'timeout' while the remover
// finishes it later on its own.
import test from 'ava';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';

const uuidN = (i: number): string => `3c1e5a2b-7d4f-4e6a-9b8c-${i.toString(16).padStart(12, '0')}`;

function fifoRoot(n: number): { dir: string; cleanup: () => void; fifos: string[] } {
  const t = tempDir('virt-mdev-remove-each-');
  const fifos: string[] = [];
  for (let i = 0; i < n; i++) {
    const dev = path.join(t.dir, 'sys/bus/mdev/devices', uuidN(i));
    fs.mkdirSync(dev, { recursive: true });
    const f = path.join(dev, 'remove');
    const r = spawnSync('mkfifo', [f]);
    if (r.status !== 0) throw new Error(`mkfifo: ${String(r.stderr)}`);
    fifos.push(f);
  }
  return { ...t, fifos };
}

test('eight blocked removes in one remover: released in reverse order, each is reported removed', async (t) => {
  const n = 8;
  const h = fifoRoot(n);
  t.teardown(h.cleanup);
  const bus = openMdevBus(new HostRoot(h.dir));
  const pending = bus.removeEach(h.fifos.map((_f, i) => uuidN(i)), { timeoutMs: 60_000 });
  // the last device first: with only four writes in flight at a time, its write would never start
  const readers = await execa('sh', ['-c', 'for f in "$@"; do cat "$f"; echo; done', 'sh', ...[...h.fifos].reverse()], { timeout: 50_000, reject: false });
  t.false(readers.timedOut, 'a write was held back behind the blocked ones');
  t.deepEqual(readers.stdout.split('\n'), Array.from({ length: n }, () => '1'));
  t.deepEqual(await pending, Array.from({ length: n }, () => 'removed'));
});

test('a remove still blocked at the bound is a timeout, the others are removed, and the remover finishes it later', async (t) => {
  const h = fifoRoot(3);
  t.teardown(h.cleanup);
  const bus = openMdevBus(new HostRoot(h.dir));
  const pending = bus.removeEach([uuidN(0), uuidN(1), uuidN(2), uuidN(1), 'not-a-uuid'], { timeoutMs: 3000 });
  const freed = await execa('sh', ['-c', 'cat "$1"; cat "$2"', 'sh', h.fifos[0]!, h.fifos[2]!], { timeout: 30_000 });
  t.is(freed.stdout, '11');
  const out = await pending;
  t.deepEqual(out.slice(0, 4), ['removed', 'timeout', 'removed', 'timeout']);
  t.true(out[4] instanceof Error);
  // the abandoned write is still waiting in the detached remover: it completes once the device lets go
  const late = await execa('cat', [h.fifos[1]!], { timeout: 30_000 });
  t.is(late.stdout, '1');
});

test('a device that is already gone is absent, without starting a remover', async (t) => {
  const h = fifoRoot(0);
  t.teardown(h.cleanup);
  const bus = openMdevBus(new HostRoot(h.dir));
  t.deepEqual(await bus.removeEach([uuidN(5)]), ['absent']);
  t.is(await bus.remove(uuidN(6)), 'absent');
});
