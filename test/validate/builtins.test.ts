// A one-file validate (editors, pre-commit hooks) loads only the built-ins it needs: the V8 flags
// through V8's binding and the caches' CRC-32 through zlib's (src/util/node-bindings.ts), not
// node:v8 and node:zlib, which load Node's stream modules.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32Binding, usable as bindingsUsable } from '../../src/util/node-bindings.js';
import { binPath, repoRoot, tempDir } from '../helpers/cli.js';

test('a one-file validate loads neither node:v8 nor node:zlib (nor the stream modules) where the bindings serve', async (t) => {
  const rec = tempDir('virt-mdev-validate-builtins-');
  t.teardown(rec.cleanup);
  const preload = path.join(rec.dir, 'builtins.cjs');
  fs.writeFileSync(preload, "process.on('exit', () => require('node:fs').appendFileSync(process.env.LOADED_FILE, process.moduleLoadList.join('\\n') + '\\n'));\n");
  const loaded = path.join(rec.dir, 'loaded.txt');
  const file = path.join(repoRoot, 'samples/domains/validate/valid/libvirt-dumpxml.xml');
  // twice: the first run may compile the schemas and write the caches, the second is the usual one
  for (let i = 0; i < 2; i++) {
    fs.rmSync(loaded, { force: true });
    const r = await execa(process.execPath, [binPath, 'validate', '-q', file], {
      env: { NODE_OPTIONS: `--require=${preload}`, LOADED_FILE: loaded, XDG_CACHE_HOME: rec.dir }, reject: false,
    });
    t.is(r.exitCode, 0, String(r.stderr));
  }
  const modules = fs.readFileSync(loaded, 'utf8').split('\n');
  t.true(modules.includes('Internal Binding contextify'));
  if (bindingsUsable()) t.deepEqual(modules.filter((m) => /^NativeModule v8$/.test(m)), []);
  // zlib's binding has a CRC-32 from Node 20.15 on; before, node:zlib has none either (no CRC, no zlib)
  if (bindingsUsable() && crc32Binding() !== null) t.deepEqual(modules.filter((m) => /^NativeModule (zlib|stream)$/.test(m)), []);
});
