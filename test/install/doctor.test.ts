// doctor on autostart: which autostarter owns it, when both would run, mdevctl's broken rule, and
// mdevctl scripts that virt-mdev does not run.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { ruleProgram } from '../../src/install/mdevctl-rule.js';
import { cli, root } from './helpers.js';

function line(out: unknown, name: string): string {
  return String(out).split('\n').find((l) => new RegExp(`^\\S+ +${name} `).test(l)) ?? '';
}

function defineAuto(dir: string): void {
  fs.mkdirSync(path.join(dir, 'etc/mdevctl.d/mtty'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/mdevctl.d/mtty/a1a1a1a1-0000-4000-8000-000000000001'), '{"mdev_type": "mtty-2", "start": "auto"}');
}

test('nothing installed, auto definitions and a broken mdevctl rule: doctor warns that nothing starts them, and why', async (t) => {
  const r = await root('broken');
  t.teardown(r.cleanup);
  defineAuto(r.dir);
  const d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'autostart'), /^warn +autostart +nothing starts the 1 definition\(s\) marked auto at boot \(mdevctl's rule .*60-mdevctl\.rules is installed but broken: it runs \/usr\/sbin\/mdevctl, which does not exist \(mdevctl is \/usr\/bin\/mdevctl\)\): run 'virt-mdev install'$/);
});

test('doctor names the owner: mdevctl, both (warn), then virt-mdev after --take-over-mdevctl', async (t) => {
  const r = await root('working');
  t.teardown(r.cleanup);
  let d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'autostart'), /^ok +autostart +mdevctl owns autostart \(mdevctl's rule .* is active\)/);
  // virt-mdev installed first, mdevctl's package later: both would run
  fs.renameSync(path.join(r.dir, 'lib/udev/rules.d/60-mdevctl.rules'), path.join(r.dir, 'rules.away'));
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  fs.renameSync(path.join(r.dir, 'rules.away'), path.join(r.dir, 'lib/udev/rules.d/60-mdevctl.rules'));
  d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'autostart'), /^warn +autostart +two autostarters: virt-mdev's units and rule, and mdevctl's rule .* is active; they race for the same devices: run 'virt-mdev install --take-over-mdevctl'/);
  t.is((await cli(r.dir, ['install', '--take-over-mdevctl'])).exitCode, 0);
  fs.mkdirSync(path.join(r.dir, 'etc/systemd/system/multi-user.target.wants'));
  fs.symlinkSync('../virt-mdev-autostart.service', path.join(r.dir, 'etc/systemd/system/multi-user.target.wants/virt-mdev-autostart.service'));
  d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'autostart'), /^ok +autostart +virt-mdev owns autostart: virt-mdev-autostart\.service at boot, 61-virt-mdev\.rules when a parent registers; mdevctl's rule is masked by .*etc\/udev\/rules\.d\/60-mdevctl\.rules$/);
  // a unit whose node is gone cannot run
  const unit = path.join(r.dir, 'etc/systemd/system/virt-mdev-autostart.service');
  fs.writeFileSync(unit, fs.readFileSync(unit, 'utf8').replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'));
  d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'autostart'), /^FAIL +autostart +virt-mdev's autostart units cannot run: they run \/nonexistent\/node, which is gone; run 'virt-mdev install' again$/);
  t.is(d.exitCode, 1);
});

test('doctor lists mdevctl callout and notifier scripts, which virt-mdev does not run', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  let d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'callouts'), /^ok +callouts +no mdevctl callout or notifier scripts$/);
  fs.mkdirSync(path.join(r.dir, 'etc/mdevctl.d/scripts.d/callouts'), { recursive: true });
  fs.writeFileSync(path.join(r.dir, 'etc/mdevctl.d/scripts.d/callouts/vfio-ap-setup'), '#!/bin/sh\n', { mode: 0o755 });
  d = await cli(r.dir, ['doctor']);
  t.regex(line(d.stdout, 'callouts'), /^warn +callouts +mdevctl scripts virt-mdev does not run when it starts or stops devices: \/etc\/mdevctl\.d\/scripts\.d\/callouts\/vfio-ap-setup;/);
});

test("the program of Debian's own 60-mdevctl.rules is found, where that package is installed", (t) => {
  const real = ['/lib/udev/rules.d/60-mdevctl.rules', '/usr/lib/udev/rules.d/60-mdevctl.rules'].find((f) => fs.existsSync(f));
  t.is(ruleProgram(fs.readFileSync(path.join(repoRoot, 'test/data/install/debian12/lib/udev/rules.d/60-mdevctl.rules'), 'utf8')), '/usr/sbin/mdevctl');
  if (!real) return;
  t.regex(ruleProgram(fs.readFileSync(real, 'utf8')) ?? '', /^\/usr\/s?bin\/mdevctl$/);
});
