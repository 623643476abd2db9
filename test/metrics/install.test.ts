// `virt-mdev install` puts the metrics service and timer in place with this installation's paths, and
// `uninstall` takes them away again together with the timer's enable link.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliPath } from '../helpers/cli.js';
import { cli, read, root, unitsDir } from '../install/helpers.js';

test('install writes virt-mdev-metrics.service and .timer; uninstall removes them and the enable link', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  const res = await cli(r.dir, ['install']);
  t.is(res.exitCode, 0, String(res.stderr));
  const service = path.join(unitsDir(r.dir), 'virt-mdev-metrics.service');
  const timer = path.join(unitsDir(r.dir), 'virt-mdev-metrics.timer');
  const textfile = path.join(r.dir, 'var/lib/prometheus/node-exporter');
  for (const f of [service, timer]) t.regex(String(res.stdout), new RegExp(`^installed +${f.replace(/[.]/g, '\\.')}$`, 'm'));
  t.regex(String(res.stdout), /^ +systemctl enable --now virt-mdev-metrics\.timer +# with prometheus-node-exporter/m);
  const s = read(service);
  t.true(s.includes(`\nExecStart=${process.execPath} ${cliPath} metrics --textfile ${textfile}\n`), s);
  t.true(s.includes(`\nConditionPathIsDirectory=${textfile}\n`));
  t.true(s.includes(`\nReadWritePaths=${textfile}\n`));
  t.true(s.includes(`\nEnvironment=VIRT_MDEV_ROOT=${r.dir}\n`));
  t.true(read(timer).includes('\nOnCalendar=minutely\n'));
  t.true(read(timer).includes('\nWantedBy=timers.target\n'));
  for (const f of [service, timer]) t.notRegex(read(f), /@[A-Z]+@/);

  // as `systemctl enable --now virt-mdev-metrics.timer` would link it
  fs.mkdirSync(path.join(unitsDir(r.dir), 'timers.target.wants'));
  fs.symlinkSync(timer, path.join(unitsDir(r.dir), 'timers.target.wants/virt-mdev-metrics.timer'));
  const u = await cli(r.dir, ['uninstall']);
  t.is(u.exitCode, 0, String(u.stderr));
  for (const f of [service, timer, path.join(unitsDir(r.dir), 'timers.target.wants/virt-mdev-metrics.timer')]) t.false(fs.existsSync(f), f);
});

test('the installed service runs: its ExecStart writes virt_mdev.prom into node_exporter\'s directory', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  const line = read(path.join(unitsDir(r.dir), 'virt-mdev-metrics.service')).split('\n').find((l) => l.startsWith('ExecStart='))!;
  const [, , ...args] = line.slice('ExecStart='.length).split(' ');
  const textfile = path.join(r.dir, 'var/lib/prometheus/node-exporter');
  fs.mkdirSync(textfile, { recursive: true });
  const run = await cli(r.dir, args);
  t.is(run.exitCode, 0, String(run.stderr));
  t.regex(read(path.join(textfile, 'virt_mdev.prom')), /^virt_mdev_instances_available\{parent="mtty",type="mtty-1",device_api="vfio-pci"\} 24$/m);
});

test('the metrics units pass systemd-analyze verify', async (t) => {
  const has = await execa('systemd-analyze', ['--version'], { reject: false });
  if (has.exitCode !== 0) return t.pass('systemd-analyze is not installed here');
  const r = await root();
  t.teardown(r.cleanup);
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  const dir = unitsDir(r.dir);
  for (const f of ['virt-mdev-metrics.service', 'virt-mdev-metrics.timer']) {
    const v = await execa('systemd-analyze', ['verify', '--man=no', path.join(dir, f)], { reject: false });
    t.is(v.exitCode, 0, v.stderr);
    t.is(v.stderr.split('\n').filter((l) => l.includes(dir)).join('\n'), '', f);
  }
});
