// npm's own way: `npm pack` gives a tarball that `npm install -g` turns into a working `virt-mdev` on
// PATH, with no node_modules (every runtime dependency is bundled), whose `install` points libvirt's
// hook and the boot units at the installed copy, not at this checkout. Offline: nothing to fetch.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliPath, repoRoot, tempDir } from '../helpers/cli.js';
import { devices, domainXml, HOOK_ENV, uuid } from '../hook/helpers.js';
import { parseWrapper } from '../../src/install/install.js';

const sample = path.join(repoRoot, 'samples/domains/every-form-in-one-domain.xml');

async function npm(args: string[], cwd: string, cache: string) {
  const r = await execa('npm', [...args, '--cache', cache, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd, reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`npm ${args.join(' ')}: ${r.stderr}`);
  return r;
}

test('npm pack + npm install -g --prefix DIR: virt-mdev on PATH works without node_modules, and its install points libvirt at DIR', async (t) => {
  const tmp = tempDir('virt-mdev-pack-');
  t.teardown(tmp.cleanup);
  const cache = path.join(tmp.dir, 'npm-cache');
  const packed = JSON.parse((await npm(['pack', '--json', '--pack-destination', tmp.dir], repoRoot, cache)).stdout) as [{ filename: string; files: { path: string }[] }];
  const shipped = packed[0].files.map((f) => f.path);
  for (const f of ['package.json', 'dist/app/virt-mdev.cjs', 'dist/app/nodedev-read.cjs', 'dist/app/nodedev-read.body.cjs', 'dist/app/virt-mdev.mjs', 'dist/app/hook.cjs', 'dist/app/remove-child.cjs', 'hooks/qemu', 'schemas/pool.rng', 'README.md']) {
    t.true(shipped.includes(f), `ships ${f}`);
  }
  t.deepEqual(shipped.filter((f) => /^(src|test|scripts|node_modules|dist\/(src|test|scripts))\//.test(f) || f === 'dist/bundle-meta.json'), [], 'only what runs');

  const prefix = path.join(tmp.dir, 'prefix');
  await npm(['install', '-g', '--prefix', prefix, path.join(tmp.dir, packed[0].filename)], tmp.dir, cache);
  const pkg = path.join(prefix, 'lib/node_modules/virt-mdev');
  t.false(fs.existsSync(path.join(pkg, 'node_modules')), 'no dependency installed');
  const bin = path.join(prefix, 'bin/virt-mdev');
  const run = (args: string[], input?: string) => execa(bin, args, { input, reject: false, timeout: 60_000, stripFinalNewline: false });

  const version = await run(['--version']);
  t.is(version.exitCode, 0, String(version.stderr));
  t.is(String(version.stdout), `${JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string}\n`);
  const tr = await run(['transform', sample]);
  t.is(tr.exitCode, 0, String(tr.stderr));
  const here = await execa(process.execPath, [cliPath, 'transform', sample], { stripFinalNewline: false });
  t.is(String(tr.stdout), String(here.stdout), "the installed transform gives the checkout's bytes");
  // libxml2-wasm (its wasm inside the chunk) and our schemas, found from the installed copy
  const v = await run(['validate', '--no-libvirt', sample]);
  t.is(v.exitCode, 0, String(v.stderr));

  const root = path.join(tmp.dir, 'host');
  t.is((await run(['simulate', 'init', root, '--profile', 'mtty'])).exitCode, 0);
  const inst = await run(['--root', root, 'install']);
  t.is(inst.exitCode, 0, String(inst.stderr));
  const wrapper = path.join(root, 'etc/libvirt/hooks/qemu.d/50-virt-mdev');
  t.is(parseWrapper(fs.readFileSync(wrapper, 'utf8'))?.hookPath, path.join(pkg, 'hooks/qemu'));
  const unit = fs.readFileSync(path.join(root, 'etc/systemd/system/virt-mdev-autostart.service'), 'utf8');
  t.true(unit.includes(` ${path.join(pkg, 'dist/app/virt-mdev.mjs')} autostart`), unit);
  t.false(unit.includes(repoRoot + '/'), 'nothing of the checkout');

  // libvirt runs the installed wrapper: a managed mdev is created at prepare and removed at release
  const dev = uuid();
  const xml = domainXml('packed', uuid(), [{ uuid: dev, type: 'mtty-2' }]);
  for (const [op, sub, want] of [['prepare', 'begin', [dev]], ['release', 'end', []]] as const) {
    const r = await execa(wrapper, ['packed', op, sub, '-'], { input: xml, env: HOOK_ENV, extendEnv: false, reject: false, timeout: 120_000 });
    t.is(r.exitCode, 0, `${op}: ${r.stderr}`);
    t.deepEqual(devices(root), want, op);
  }
});
