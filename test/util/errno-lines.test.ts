// Issue 10 item 12: an error that is a bare errno (EISDIR, EROFS, ENOSPC, ENOTDIR, ENOENT) names the
// path and what to do, in one line; a write error on stdout (a migrate whose reader went away, a full
// disk under a redirect) is one line, never Node's stack trace.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeSystemError } from '../../src/util/errors.js';
import { binPath, hookPath, tempDir, virtMdev } from '../helpers/cli.js';
import { domainXml, HOOK_ENV, simHost } from '../hook/helpers.js';
import { initSimHost } from '../../src/simhost/init.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

test('describeSystemError: the path, what the errno means and what to do, in one line', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  fs.writeFileSync(path.join(d.dir, 'file'), 'x');
  const cases: Array<[string, unknown, RegExp]> = [
    ['EISDIR', thrown(() => fs.writeFileSync(d.dir, 'x')), /is a directory where a file belongs: name a file/],
    ['ENOTDIR', thrown(() => fs.readFileSync(path.join(d.dir, 'file', 'x'))), /\/file is a file, not a directory: move that file aside or fix the path/],
    ['ENOENT', thrown(() => fs.readFileSync(path.join(d.dir, 'nosuch'))), /does not exist: create it or fix the path/],
    ['EROFS', Object.assign(new Error("EROFS: read-only file system, open '/ro/x'"), { code: 'EROFS', syscall: 'open', path: '/ro/x' }), /read-only file system: remount it read-write/],
    ['ENOSPC', Object.assign(new Error("ENOSPC: no space left on device, write '/full/x'"), { code: 'ENOSPC', syscall: 'write', path: '/full/x' }), /no space left on the file system: free some space/],
  ];
  for (const [code, e, advice] of cases) {
    const line = describeSystemError(e);
    t.regex(line, advice, code);
    t.true(line.includes(`(${code} in `), line);
    t.false(line.includes('\n'), line);
    const p = (e as { path: string }).path;
    t.true(line.startsWith(`${p}: `), line);
  }
});

test('a CLI error that is an errno names the path and what to do (ENOTDIR under --hooks-dir)', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  fs.writeFileSync(path.join(d.dir, 'afile'), 'x');
  const r = await virtMdev(['install-hook', '--hooks-dir', path.join(d.dir, 'afile')], { env: { VIRT_MDEV_ROOT: '' } });
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), new RegExp(`^virt-mdev: ${d.dir}/afile/qemu\\.d.*: \\S*\\/afile is a file, not a directory: move that file aside or fix the path \\(ENOTDIR in \\w+\\)\\n$`));
});

test('a full disk under stdout is one line (ENOSPC), not a stack trace', async (t) => {
  const t0 = tempDir();
  t.teardown(t0.cleanup);
  await initSimHost(t0.dir, ['mtty']);
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const out = fs.openSync('/dev/full', 'w');
    const c = spawn(process.execPath, [binPath, '--root', t0.dir, 'nodedev-dumpxml', 'mtty_mtty'], { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    c.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => { fs.closeSync(out); resolve({ code, stderr }); });
  });
  t.is(r.code, 1);
  t.is(r.stderr, 'virt-mdev: cannot write the output: no space left on the file system: free some space and try again (ENOSPC in write)\n');
});

test('migrate: a reader that went away before the rewritten XML is written fails the migration in one line (EPIPE)', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const u = '11111111-2222-4333-8444-555555555555';
  // the UUID is taken here by another type: migrate must hand libvirt a fresh one on stdout
  const { openMdevBus } = await import('../../src/mdevbus/bus.js');
  const { HostRoot } = await import('../../src/host/root.js');
  await openMdevBus(new HostRoot(sim.dir)).create('mtty', 'mtty-1', u);
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = spawn(hookPath, ['hx', 'migrate', 'begin', '-'], { env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    c.stdout.destroy(); // the reader is gone before the hook writes
    let stderr = '';
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => resolve({ code, stderr }));
    c.stdin.end(domainXml('hx', '9c0d1e2f-3a4b-4c5d-9e7f-8a9b0c1d2e3f', [{ uuid: u, type: 'mtty-2' }]));
  });
  t.is(r.code, 1, r.stderr);
  t.is(r.stderr, 'virt-mdev: cannot hand the rewritten domain XML to libvirt on stdout: the reader went away (broken pipe) (EPIPE in write)\n');
});
