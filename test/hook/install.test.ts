// install-hook / uninstall-hook / doctor, and the installed wrapper run exactly as libvirt runs it.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hookPath } from '../helpers/cli.js';
import { cli, devices, domainXml, HOOK_ENV, simHost, uuid } from './helpers.js';

test('install-hook writes an executable qemu.d/50-virt-mdev that libvirt can run with PATH=/bin:/sbin', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const r = await cli(sim.dir, ['install-hook']);
  t.is(r.exitCode, 0, String(r.stderr));
  t.regex(String(r.stdout), /installed .*qemu\.d\/50-virt-mdev/);
  t.regex(String(r.stdout), /restart the daemon .*SIGHUP/s);
  const file = path.join(sim.dir, 'etc/libvirt/hooks/qemu.d/50-virt-mdev');
  t.true((fs.statSync(file).mode & 0o111) !== 0);
  t.true(fs.readFileSync(file, 'utf8').includes(`VIRT_MDEV_NODE='${process.execPath}'`));
  // run it the way libvirt does: the wrapper carries node's path and (for a simulated host) the root
  const dev = uuid();
  const xml = domainXml('inst', uuid(), [{ uuid: dev, type: 'mtty-2' }]);
  const p = await execa(file, ['inst', 'prepare', 'begin', '-'], { input: xml, env: HOOK_ENV, extendEnv: false, reject: false });
  t.is(p.exitCode, 0, p.stderr);
  t.deepEqual(devices(sim.dir), [dev]);
  const rel = await execa(file, ['inst', 'release', 'end', '-'], { input: xml, env: HOOK_ENV, extendEnv: false, reject: false });
  t.is(rel.exitCode, 0, rel.stderr);
  t.deepEqual(devices(sim.dir), []);
  // idempotent, and doctor sees it
  t.regex(String((await cli(sim.dir, ['install-hook'])).stdout), /already installed/);
  const d = await cli(sim.dir, ['doctor']);
  t.regex(String(d.stdout), /^ok +hook +.*50-virt-mdev runs /m);
  t.regex(String(d.stdout), /^ok +parents +1 mdev parent/m);
  const u = await cli(sim.dir, ['uninstall-hook']);
  t.is(u.exitCode, 0);
  t.false(fs.existsSync(file));
  t.regex(String((await cli(sim.dir, ['uninstall-hook'])).stdout), /not installed/);
});

test('install-hook refuses to overwrite a file that is not ours, uninstall-hook refuses to remove it', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const dir = path.join(sim.dir, 'hooks-elsewhere');
  fs.mkdirSync(path.join(dir, 'qemu.d'), { recursive: true });
  const file = path.join(dir, 'qemu.d/50-virt-mdev');
  fs.writeFileSync(file, '#!/bin/sh\necho mine\n', { mode: 0o755 });
  const r = await cli(sim.dir, ['install-hook', '--hooks-dir', dir]);
  t.is(r.exitCode, 6);
  t.regex(String(r.stderr), /not written by virt-mdev: refusing to overwrite it/);
  const u = await cli(sim.dir, ['uninstall-hook', '--hooks-dir', dir]);
  t.is(u.exitCode, 6);
  t.is(fs.readFileSync(file, 'utf8'), '#!/bin/sh\necho mine\n');
});

test('doctor: one line per check, FAIL with what to do, exit 1; all ok on a complete host', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  // a simulated host looks like a host with vfio and mdev loaded: take them away to see the FAILs
  fs.rmSync(path.join(sim.dir, 'sys/module/vfio'), { recursive: true });
  fs.rmSync(path.join(sim.dir, 'dev/vfio/vfio'));
  let d = await cli(sim.dir, ['doctor']);
  t.is(d.exitCode, 1);
  t.regex(String(d.stdout), /^FAIL +module vfio .*modprobe vfio/m);
  t.regex(String(d.stdout), /^ok +module mdev /m);
  t.regex(String(d.stdout), /^FAIL +\/dev\/vfio\/vfio /m);
  t.regex(String(d.stdout), /^FAIL +hook +.*run 'virt-mdev install-hook'/m);
  t.regex(String(d.stdout), /^ok +node +Node v/m);
  fs.mkdirSync(path.join(sim.dir, 'sys/module/vfio'), { recursive: true });
  fs.writeFileSync(path.join(sim.dir, 'dev/vfio/vfio'), '');
  t.is((await cli(sim.dir, ['install-hook'])).exitCode, 0);
  d = await cli(sim.dir, ['doctor']);
  t.is(d.exitCode, 0, String(d.stdout));
  t.notRegex(String(d.stdout), /FAIL/);
  const j = await cli(sim.dir, ['--json', 'doctor']);
  t.true((JSON.parse(String(j.stdout)) as Array<{ level: string }>).every((c) => c.level === 'ok'));
});

test('hooks/qemu found through a symlink (e.g. /etc/libvirt/hooks/qemu -> the installation) and with node off PATH', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const link = path.join(sim.dir, 'etc-hooks-qemu');
  fs.symlinkSync(hookPath, link);
  const dev = uuid();
  const xml = domainXml('sym', uuid(), [{ uuid: dev, type: 'mtty-1' }]);
  const r = await execa(link, ['sym', 'prepare', 'begin', '-'], { input: xml, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir, VIRT_MDEV_NODE: process.execPath }, extendEnv: false, reject: false });
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(devices(sim.dir), [dev]);
});

test('hooks/qemu of an installation whose hook body is missing: prepare fails with one line naming the file, release succeeds', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  // an installation laid out as the package lays it out, built but for hook.body.cjs
  const inst = path.join(sim.dir, 'opt-virt-mdev');
  fs.mkdirSync(path.join(inst, 'hooks'), { recursive: true });
  fs.mkdirSync(path.join(inst, 'dist/app'), { recursive: true });
  fs.copyFileSync(hookPath, path.join(inst, 'hooks/qemu'));
  fs.chmodSync(path.join(inst, 'hooks/qemu'), 0o755);
  fs.copyFileSync(path.join(path.dirname(hookPath), '../dist/app/hook.cjs'), path.join(inst, 'dist/app/hook.cjs'));
  const xml = domainXml('nobody', uuid(), [{ uuid: uuid(), type: 'mtty-1' }]);
  const env = { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir, VIRT_MDEV_NODE: process.execPath };
  const run = (op: string, sub: string) => execa(path.join(inst, 'hooks/qemu'), ['nobody', op, sub, '-'], { input: xml, env, extendEnv: false, reject: false });
  const p = await run('prepare', 'begin');
  t.is(p.exitCode, 1);
  t.regex(p.stderr, /^virt-mdev: the hook's code is missing at \S*dist\/app\/hook\.body\.cjs: build virt-mdev/);
  t.is(p.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  t.deepEqual(devices(sim.dir), []);
  fs.mkdirSync(path.join(sim.dir, 'run/virt-mdev'), { recursive: true });
  fs.writeFileSync(path.join(sim.dir, 'run/virt-mdev/ledger.json'), '{"nobody":1}');
  t.is((await run('release', 'end')).exitCode, 0, 'release never fails');
});

test('hook.conf sets the remove bound; a bad hook.conf makes prepare fail with file:line', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  fs.mkdirSync(path.join(sim.dir, 'etc/virt-mdev'), { recursive: true });
  fs.writeFileSync(path.join(sim.dir, 'etc/virt-mdev/hook.conf'), '# seconds\nremove_timeout = 5\nbogus = 1\n');
  const r = await execa(hookPath, ['conf', 'prepare', 'begin', '-'], {
    input: domainXml('conf', uuid(), [{ uuid: uuid(), type: 'mtty-1' }]), env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir }, extendEnv: false, reject: false,
  });
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /hook\.conf:3: expected 'key = seconds'/);
  t.deepEqual(devices(sim.dir), []);
});
