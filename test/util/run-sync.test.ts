// runSync (src/util/run-sync.ts) starts a helper through Node's spawn_sync binding where
// src/util/node-bindings.ts allows it, else through child_process.spawnSync: both ways must give the
// same outcome for every case the lock code tells apart (status, signal, stderr, fd 3, cannot start).
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { usable } from '../../src/util/node-bindings.js';
import { runSync, type RunSyncResult } from '../../src/util/run-sync.js';
import { tempDir } from '../helpers/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const runSyncModule = path.join(here, '../../src/util/run-sync.js');

/** runSync in a fresh process, with the bindings on or off, as JSON */
async function runElsewhere(bindings: 'on' | 'off', file: string, args: string[], fd3File?: string): Promise<RunSyncResult & { viaBinding: boolean }> {
  // counts the binding's use (the ES module build imports child_process either way)
  const script = `
    import * as fs from 'node:fs';
    let viaBinding = false;
    const binding = process.binding;
    process.binding = (n) => {
      const b = binding.call(process, n);
      return n === 'spawn_sync' ? { spawn: (o) => { viaBinding = true; return b.spawn(o); } } : b;
    };
    const { runSync } = await import(${JSON.stringify(runSyncModule)});
    const fd3 = process.env.FD3_FILE ? fs.openSync(process.env.FD3_FILE, 'a') : undefined;
    const r = runSync(process.argv[1], JSON.parse(process.argv[2]), { fd3 });
    console.log(JSON.stringify({ ...r, error: r.error && { code: r.error.code }, viaBinding }));`;
  const env = { PATH: process.env.PATH, VIRT_MDEV_NODE_BINDINGS: bindings, ...(fd3File ? { FD3_FILE: fd3File } : {}) };
  const r = await execa(process.execPath, ['--input-type=module', '-e', script, file, JSON.stringify(args)], { env, extendEnv: false });
  return JSON.parse(r.stdout) as RunSyncResult & { viaBinding: boolean };
}

const CASES: Array<[string, string, string[]]> = [
  ['success', '/bin/sh', ['-c', 'exit 0']],
  ['a status of its own', '/bin/sh', ['-c', 'exit 75']],
  ['stderr, in English', '/bin/sh', ['-c', 'echo "cannot: $LC_ALL" >&2; exit 1']],
  ['killed by a signal', '/bin/sh', ['-c', 'kill -TERM $$']],
  ['a program that is not there', '/nonexistent/flock', ['-n', '3']],
];

for (const [what, file, args] of CASES) {
  test(`both ways agree: ${what}`, async (t) => {
    const [a, b] = await Promise.all([runElsewhere('on', file, args), runElsewhere('off', file, args)]);
    t.false(b.viaBinding, 'off: child_process');
    t.is(a.viaBinding, usable(), 'on: the binding, where this Node has it');
    const { viaBinding: _a, ...ra } = a;
    const { viaBinding: _b, ...rb } = b;
    t.deepEqual(ra, rb);
  });
}

test('the outcomes are what the lock code expects', (t) => {
  t.like(runSync('/bin/sh', ['-c', 'exit 75']), { status: 75, signal: null });
  process.env.VIRT_MDEV_TEST_MINE = 'ours';
  t.like(runSync('/bin/sh', ['-c', 'echo "no: $LC_ALL [$VIRT_MDEV_TEST_MINE]" >&2; exit 2']), { status: 2, stderr: 'no: C []\n' }, 'only LC_ALL and PATH');
  t.like(runSync('/bin/sh', ['-c', 'kill -KILL $$']), { status: null, signal: 'SIGKILL' });
  t.is(runSync('/nonexistent/flock', []).error?.code, 'ENOENT');
});

test('fd 3 of the program is the descriptor given, and only that', async (t) => {
  const d = tempDir('virt-mdev-run-sync-');
  t.teardown(d.cleanup);
  for (const bindings of ['on', 'off'] as const) {
    const f = path.join(d.dir, `fd3-${bindings}`);
    const r = await runElsewhere(bindings, '/bin/sh', ['-c', 'echo via-3 >&3 && ! { true >&4; } 2>/dev/null'], f);
    t.is(r.status, 0, `${bindings}: ${r.stderr}`);
    t.is(fs.readFileSync(f, 'utf8'), 'via-3\n', bindings);
  }
});
