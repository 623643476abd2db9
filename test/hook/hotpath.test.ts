// The hook runs on every VM start and stop: its module graph must stay small. Records every module
// URL the hook's node process resolves (an ESM loader hook) during a real prepare and release of
// the hook as it ships (dist/app/hook.cjs, the bundle hooks/qemu runs), with the sources each bundle
// holds (from the build's metafile).
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { usable as bindingsUsable } from '../../src/util/node-bindings.js';
import { moduleRecorder, repoRoot, tempDir } from '../helpers/cli.js';
import { cli, domainXml, HOOK_ENV, simHost, uuid } from './helpers.js';

const FORBIDDEN = ['libxml2-wasm', '@xmldom', '/xpath/', '/execa/', '/commander/', '.wasm'];

test('prepare and release load one file each (hook, remover) holding only saxes and our own modules, plus Node built-ins', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const rec = tempDir('virt-mdev-loads-');
  t.teardown(rec.cleanup);
  const recorder = moduleRecorder(rec.dir);
  const held = uuid();
  const xml = domainXml('hot', uuid(), [{ uuid: uuid(), type: 'mtty-2' }, { uuid: held, type: 'mtty-2' }]);
  for (const [op, sub] of [['prepare', 'begin'], ['release', 'end'], ['reconnect', 'begin'], ['migrate', 'begin']]) {
    // a device still open: on a simulated host only its remove goes to the remover process (one no
    // write can block is done in the hook), whose write then blocks until the host is deleted
    if (op === 'release') t.is((await cli(sim.dir, ['simulate', 'hold', held])).exitCode, 0);
    // NODE_OPTIONS, not argv: the detached remover that release starts inherits it and is recorded too
    const r = await execa(process.execPath, [path.join(repoRoot, 'dist/app/hook.cjs'), 'hot', op, sub, '-'], {
      input: xml, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir, VIRT_MDEV_REMOVE_TIMEOUT: '2', NODE_OPTIONS: recorder.importFlag }, extendEnv: false, reject: false,
    });
    t.is(r.exitCode, 0, `${op}: ${r.stderr}`);
  }
  const urls = recorder.loaded();
  // one file per process: every module loaded is a Node built-in or one of the two bundles
  t.deepEqual(urls.filter((u) => u.includes(':') && !u.startsWith('node:')).map((u) => path.relative(repoRoot, new URL(u).pathname)).sort(),
    ['dist/app/hook.cjs', 'dist/app/remove-child.cjs']);
  t.true(urls.includes('src/hook/run.ts'), 'the recorder saw the hook');
  t.true(urls.includes('src/mdevbus/remove-child.ts'), 'the recorder saw the remover child');
  t.true(urls.includes('src/simhost/kernel.ts'), 'and the kernel emulation its writes load');
  t.true(urls.some((u) => u.includes('/saxes/')), 'saxes is the one dependency');
  for (const bad of FORBIDDEN) t.deepEqual(urls.filter((u) => u.includes(bad)), [], `loaded ${bad}`);
  const packages = new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/')[1].split('/')[0]));
  t.deepEqual([...packages].filter((p) => p !== 'saxes' && p !== 'xmlchars'), [], 'saxes (and its own xmlchars) only');
});

test('a prepare and a release of managed devices never load node:crypto (a fifth of Node\'s start-up), nor child_process and node:v8 where Node\'s bindings serve', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const rec = tempDir('virt-mdev-builtins-');
  t.teardown(rec.cleanup);
  // a preload that writes, at exit, the built-ins the process loaded
  const preload = path.join(rec.dir, 'builtins.cjs');
  fs.writeFileSync(preload, "process.on('exit', () => require('node:fs').appendFileSync(process.env.LOADED_FILE, process.moduleLoadList.join('\\n') + '\\n'));\n");
  const loaded = path.join(rec.dir, 'loaded.txt');
  const xml = domainXml('plain', uuid(), [1, 2, 3, 4].map(() => ({ uuid: uuid(), type: 'mtty-1' })));
  for (const [op, sub] of [['prepare', 'begin'], ['release', 'end']]) {
    const r = await execa(process.execPath, [path.join(repoRoot, 'dist/app/hook.cjs'), 'plain', op, sub, '-'], {
      input: xml, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir, NODE_OPTIONS: `--require=${preload}`, LOADED_FILE: loaded }, extendEnv: false, reject: false,
    });
    t.is(r.exitCode, 0, `${op}: ${r.stderr}`);
  }
  const modules = fs.readFileSync(loaded, 'utf8').split('\n');
  t.true(modules.includes('NativeModule fs'), 'the preload saw the hook');
  t.deepEqual(modules.filter((m) => /^NativeModule (crypto|internal\/crypto\/)/.test(m)), []);
  // their locks are taken with flock(1) through spawn_sync, the V8 flags set through the v8 binding
  if (bindingsUsable()) t.deepEqual(modules.filter((m) => /^NativeModule (child_process|net|v8|stream)$/.test(m)), []);
  t.true(modules.includes('Internal Binding spawn_sync'), 'a lock was taken');
});
