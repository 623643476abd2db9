// virt-mdev install / uninstall into a temporary root: the hook, the two units and the udev rule with
// absolute paths filled in, idempotence, taking autostart over from mdevctl, removing only our files.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliPath, repoRoot, snapshotTree } from '../helpers/cli.js';
import { cli, read, root, rulesDir, unitsDir } from './helpers.js';

test('install writes the hook, both units and the rule with this installation\'s paths; a second run changes nothing', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  const res = await cli(r.dir, ['install']);
  t.is(res.exitCode, 0, String(res.stderr));
  const boot = path.join(unitsDir(r.dir), 'virt-mdev-autostart.service');
  const tmpl = path.join(unitsDir(r.dir), 'virt-mdev-autostart@.service');
  const rule = path.join(rulesDir(r.dir), '61-virt-mdev.rules');
  const hook = path.join(r.dir, 'etc/libvirt/hooks/qemu.d/50-virt-mdev');
  for (const f of [hook, boot, tmpl, rule]) t.regex(String(res.stdout), new RegExp(`^installed +${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  t.regex(String(res.stdout), /systemctl daemon-reload\n +systemctl enable virt-mdev-autostart\.service\n +udevadm control --reload\n/);
  const store = path.join(r.dir, 'etc/mdevctl.d');
  t.true(read(boot).includes(`\nExecStart=${process.execPath} ${cliPath} autostart --wait 10\n`));
  t.true(read(boot).includes(`\nEnvironment=VIRT_MDEV_ROOT=${r.dir}\n`));
  t.true(read(boot).includes(`\nConditionPathIsDirectory=${store}\n`));
  t.true(read(tmpl).includes(`\nExecStart=${process.execPath} ${cliPath} autostart --parent %i --wait 120\n`));
  t.true(read(rule).includes(`TEST=="${store}/$kernel"`));
  for (const f of [boot, tmpl, rule]) t.notRegex(read(f), /@[A-Z]+@/);
  t.is(fs.statSync(boot).mode & 0o777, 0o644);
  const before = snapshotTree(r.dir);
  const again = await cli(r.dir, ['install']);
  t.is(again.exitCode, 0);
  t.is(String(again.stdout).split('\n').filter((l) => /^(installed|updated)/.test(l)).length, 0);
  t.deepEqual(snapshotTree(r.dir), before);
});

test('a working mdevctl rule: install refuses and writes nothing; --take-over-mdevctl masks it; uninstall gives it back', async (t) => {
  const r = await root('working');
  t.teardown(r.cleanup);
  const before = snapshotTree(r.dir);
  const refused = await cli(r.dir, ['install']);
  t.is(refused.exitCode, 6);
  t.regex(String(refused.stderr), /60-mdevctl\.rules starts mdevs marked auto too \(it runs \/usr\/sbin\/mdevctl\); two autostarters would race: run 'virt-mdev install --take-over-mdevctl'/);
  t.deepEqual(snapshotTree(r.dir), before);

  const res = await cli(r.dir, ['install', '--take-over-mdevctl']);
  t.is(res.exitCode, 0, String(res.stderr));
  const override = path.join(rulesDir(r.dir), '60-mdevctl.rules');
  t.regex(String(res.stdout), new RegExp(`^installed +${override.replace(/[.]/g, '\\.')}$`, 'm'));
  t.regex(String(res.stdout), /mdevctl's udev rule is masked by .*60-mdevctl\.rules \(ours\): virt-mdev owns autostart/);
  // udev's override: a file of the same name in /etc with no rule in it
  t.true(read(override).split('\n').every((l) => l === '' || l.startsWith('#')));
  t.is((await cli(r.dir, ['install', '--take-over-mdevctl'])).exitCode, 0);

  // something of the admin's in the same directories stays
  const other = path.join(unitsDir(r.dir), 'other.service');
  fs.writeFileSync(other, '[Service]\nExecStart=/bin/true\n');
  // as `systemctl enable` would link it
  fs.mkdirSync(path.join(unitsDir(r.dir), 'multi-user.target.wants'));
  fs.symlinkSync(path.join(unitsDir(r.dir), 'virt-mdev-autostart.service'), path.join(unitsDir(r.dir), 'multi-user.target.wants/virt-mdev-autostart.service'));
  const u = await cli(r.dir, ['uninstall']);
  t.is(u.exitCode, 0, String(u.stderr));
  for (const f of ['virt-mdev-autostart.service', 'virt-mdev-autostart@.service', 'multi-user.target.wants/virt-mdev-autostart.service']) t.false(fs.existsSync(path.join(unitsDir(r.dir), f)), f);
  t.false(fs.existsSync(path.join(rulesDir(r.dir), '61-virt-mdev.rules')));
  t.false(fs.existsSync(override));
  t.false(fs.existsSync(path.join(r.dir, 'etc/libvirt/hooks/qemu.d/50-virt-mdev')));
  t.true(fs.existsSync(other));
  t.true(fs.existsSync(path.join(r.dir, 'lib/udev/rules.d/60-mdevctl.rules')));
  t.regex(String(u.stdout), /mdevctl's udev rule .*lib\/udev\/rules\.d\/60-mdevctl\.rules starts auto definitions too/);
  const again = await cli(r.dir, ['uninstall']);
  t.is(again.exitCode, 0);
  t.false(/^removed/m.test(String(again.stdout)));
});

test("Debian 12's broken mdevctl rule: install goes ahead and says why mdevctl's rule starts nothing", async (t) => {
  const r = await root('broken');
  t.teardown(r.cleanup);
  const res = await cli(r.dir, ['install']);
  t.is(res.exitCode, 0, String(res.stderr));
  t.regex(String(res.stdout), /mdevctl's udev rule .*60-mdevctl\.rules runs \/usr\/sbin\/mdevctl, which does not exist \(mdevctl is \/usr\/bin\/mdevctl\): it starts nothing, virt-mdev owns autostart/);
  t.false(fs.existsSync(path.join(rulesDir(r.dir), '60-mdevctl.rules')));
});

test("an admin's own mask of mdevctl's rule is kept by install and by uninstall", async (t) => {
  const r = await root('working');
  t.teardown(r.cleanup);
  fs.mkdirSync(rulesDir(r.dir), { recursive: true });
  const mask = path.join(rulesDir(r.dir), '60-mdevctl.rules');
  fs.symlinkSync('/dev/null', mask);
  const res = await cli(r.dir, ['install', '--take-over-mdevctl']);
  t.is(res.exitCode, 0, String(res.stderr));
  t.regex(String(res.stdout), /^kept +.*60-mdevctl\.rules \(mdevctl's rule is already masked\)$/m);
  // without the flag too: a masked rule does not autostart
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  t.is((await cli(r.dir, ['uninstall'])).exitCode, 0);
  t.is(fs.readlinkSync(mask), '/dev/null');
});

test('files that are not ours are never overwritten: install refuses before writing anything', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  fs.mkdirSync(rulesDir(r.dir), { recursive: true });
  fs.writeFileSync(path.join(rulesDir(r.dir), '61-virt-mdev.rules'), '# my own\nACTION=="add", RUN+="/bin/true"\n');
  const before = snapshotTree(r.dir);
  const res = await cli(r.dir, ['install']);
  t.is(res.exitCode, 6);
  t.regex(String(res.stderr), /61-virt-mdev\.rules exists and was not written by virt-mdev: refusing to overwrite it/);
  t.deepEqual(snapshotTree(r.dir), before);
  const u = await cli(r.dir, ['uninstall']);
  t.regex(String(u.stdout), /^kept +.*61-virt-mdev\.rules \(not written by virt-mdev\)$/m);
  t.deepEqual(snapshotTree(r.dir), before);
});

test('--units-dir, --rules-dir and --hooks-dir put the files elsewhere; install-hook still installs the hook alone', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  const dirs = ['--units-dir', path.join(r.dir, 'u'), '--rules-dir', path.join(r.dir, 'r'), '--hooks-dir', path.join(r.dir, 'h')];
  t.is((await cli(r.dir, ['install', ...dirs])).exitCode, 0);
  for (const f of ['u/virt-mdev-autostart.service', 'u/virt-mdev-autostart@.service', 'r/61-virt-mdev.rules', 'h/qemu.d/50-virt-mdev']) t.true(fs.existsSync(path.join(r.dir, f)), f);
  t.false(fs.existsSync(unitsDir(r.dir)));
  t.is((await cli(r.dir, ['uninstall', ...dirs])).exitCode, 0);
  t.deepEqual(['u', 'r', 'h/qemu.d'].flatMap((d) => fs.readdirSync(path.join(r.dir, d))), []);
  const h = await cli(r.dir, ['install-hook']);
  t.is(h.exitCode, 0);
  t.false(fs.existsSync(unitsDir(r.dir)));
});

test('the templates in hooks/ carry the mark install and uninstall recognise, and every placeholder is known', (t) => {
  for (const name of ['virt-mdev-autostart.service', 'virt-mdev-autostart@.service', '61-virt-mdev.rules']) {
    const text = fs.readFileSync(path.join(repoRoot, 'hooks', name), 'utf8');
    t.true(text.startsWith('# virt-mdev-installed v1\n'), name);
    t.deepEqual([...new Set(text.match(/@[A-Z]+@/g))].filter((p) => !['@NODE@', '@CLI@', '@STORE@', '@POOLBOOT@', '@ENVIRONMENT@'].includes(p)), [], name);
  }
});
