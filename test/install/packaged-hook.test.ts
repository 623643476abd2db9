// A host where the Debian package installed the hook: qemu.d/50-virt-mdev is dpkg's symlink to the
// package's wrapper /usr/sbin/virt-mdev-qemu-hook, which execs its hooks/qemu (0.1.0-1 linked to
// hooks/qemu itself: recognised too). install-hook, uninstall-hook and install leave it to the package (exit 6, host
// unchanged), uninstall keeps it, and doctor says it is the package's hook; doctor also finds the
// package's units and rule in lib/ (scripts/deb.ts's packagedText) and the boot unit enabled in etc/.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { AUTOSTART_FILES, fillTemplate, readTemplate } from '../../src/install/autostart-files.js';
import { packageHookText } from '../../src/install/install.js';
import { packagedText } from '../../scripts/deb.js';
import { repoRoot, snapshotTree } from '../helpers/cli.js';
import { cli, root } from './helpers.js';

/** wrapper: the package's layout (link → usr/sbin wrapper → hooks/qemu); direct: 0.1.0-1's link to hooks/qemu */
async function packagedHost(layout: 'wrapper' | 'direct' = 'wrapper'): Promise<{ dir: string; link: string; cleanup: () => void }> {
  const r = await root();
  const link = path.join(r.dir, 'etc/libvirt/hooks/qemu.d/50-virt-mdev');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  // the package's paths are absolute (/usr/sbin/virt-mdev-qemu-hook → /usr/lib/virt-mdev/hooks/qemu);
  // here: a wrapper in the root's usr/sbin that runs this checkout's hooks/qemu
  const wrapper = path.join(r.dir, 'usr/sbin/virt-mdev-qemu-hook');
  fs.mkdirSync(path.dirname(wrapper), { recursive: true });
  fs.writeFileSync(wrapper, packageHookText(path.join(repoRoot, 'hooks/qemu')), { mode: 0o755 });
  fs.symlinkSync(layout === 'wrapper' ? wrapper : path.join(repoRoot, 'hooks/qemu'), link);
  return { ...r, link };
}

for (const layout of ['wrapper', 'direct'] as const) {
  for (const args of [['install-hook'], ['uninstall-hook'], ['install']]) {
    test(`${args[0]} refuses to replace or remove the package's hook link (${layout}, exit 6) and changes nothing`, async (t) => {
      const h = await packagedHost(layout);
      t.teardown(h.cleanup);
      const before = snapshotTree(h.dir);
      const r = await cli(h.dir, args);
      t.is(r.exitCode, 6, String(r.stderr));
      t.regex(String(r.stderr), layout === 'wrapper'
        ? /is a link to .*\/usr\/sbin\/virt-mdev-qemu-hook, the hook of an installed virt-mdev package/
        : /is a link to .*hooks\/qemu, the hook of an installed virt-mdev package/);
      t.deepEqual(snapshotTree(h.dir), before);
    });
  }
}

test('doctor: the package\'s wrapper must run an executable hooks/qemu', async (t) => {
  const h = await packagedHost();
  t.teardown(h.cleanup);
  const wrapper = path.join(h.dir, 'usr/sbin/virt-mdev-qemu-hook');
  fs.writeFileSync(wrapper, packageHookText(path.join(h.dir, 'usr/lib/virt-mdev/hooks/qemu')));
  const doc = await cli(h.dir, ['doctor', '--json']);
  const hook = (JSON.parse(String(doc.stdout)) as { name: string; level: string; message: string }[]).find((c) => c.name === 'hook');
  t.is(hook?.level, 'FAIL');
  t.regex(hook?.message ?? '', /links to .*\/usr\/sbin\/virt-mdev-qemu-hook, which runs .*\/usr\/lib\/virt-mdev\/hooks\/qemu, which is not executable.*reinstall the virt-mdev package/);
});

test('uninstall keeps the package\'s hook link; doctor reports it as the package\'s hook', async (t) => {
  const h = await packagedHost();
  t.teardown(h.cleanup);
  const un = await cli(h.dir, ['uninstall', '--json']);
  t.is(un.exitCode, 0, String(un.stderr));
  t.true(fs.lstatSync(h.link).isSymbolicLink());
  const doc = await cli(h.dir, ['doctor', '--json']);
  const checks = JSON.parse(String(doc.stdout)) as { name: string; level: string; message: string }[];
  const hook = checks.find((c) => c.name === 'hook');
  t.is(hook?.level, 'ok');
  t.regex(hook?.message ?? '', /links to .*\/usr\/sbin\/virt-mdev-qemu-hook, which runs .*hooks\/qemu \(the virt-mdev package's hook\)/);
});

test('doctor: the package\'s units and rule in lib/, enabled from etc/, own autostart', async (t) => {
  const h = await packagedHost();
  t.teardown(h.cleanup);
  const values = { nodePath: process.execPath, cliPath: path.join(repoRoot, 'dist/app/virt-mdev.mjs'), root: new HostRoot(h.dir) };
  for (const f of AUTOSTART_FILES) {
    const file = path.join(h.dir, f.where === 'units' ? 'lib/systemd/system' : 'lib/udev/rules.d', f.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, packagedText(f.name, fillTemplate(readTemplate(f.name), values), f.where));
  }
  const autostart = async (): Promise<{ level: string; message: string } | undefined> => {
    const doc = await cli(h.dir, ['doctor', '--json']);
    return (JSON.parse(String(doc.stdout)) as { name: string; level: string; message: string }[]).find((c) => c.name === 'autostart');
  };
  t.like(await autostart(), { level: 'warn', message: "virt-mdev owns autostart (mdevctl's rule is not installed), but virt-mdev-autostart.service is not enabled: run 'systemctl enable virt-mdev-autostart.service'" });
  const wants = path.join(h.dir, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  fs.symlinkSync('/lib/systemd/system/virt-mdev-autostart.service', path.join(wants, 'virt-mdev-autostart.service'));
  const enabled = await autostart();
  t.is(enabled?.level, 'ok', enabled?.message);
  t.regex(enabled?.message ?? '', /^virt-mdev owns autostart/);
});
