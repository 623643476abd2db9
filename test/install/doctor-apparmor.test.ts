// doctor's AppArmor line: which profile libvirtd (or virtqemud) runs under, read from a fake /proc
// under a simulated host, and whether that profile lets the installed hook's chain (wrapper →
// hooks/qemu → node, or the Debian package's link → its /usr/sbin wrapper) run and do its work. Profiles: Debian 12's libvirtd profile (the rules that
// matter, test/data/doctor/apparmor/usr.sbin.libvirtd) and a strict one of an admin's own.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { apparmorCheck } from '../../src/doctor/apparmor.js';
import { HostRoot } from '../../src/host/root.js';
import { packageHookText, wrapperText } from '../../src/install/install.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { repoRoot } from '../helpers/cli.js';
import { cli, root } from './helpers.js';

const DATA = path.join(repoRoot, 'test/data/doctor/apparmor');
const HOOK = '/usr/lib/virt-mdev/hooks/qemu';
const LOCAL = 'etc/apparmor.d/local/usr.sbin.libvirtd';

interface Case {
  name: string;
  comm?: string;
  /** written to attr/apparmor/current; with attrCurrent, to attr/current (AppArmor as the major LSM) */
  label?: string;
  attrCurrent?: boolean;
  profile?: 'usr.sbin.libvirtd' | 'strict';
  local?: string;
  node?: string;
  hook?: string;
  installed?: boolean;
  /** the Debian package's layout instead of install-hook's wrapper: its link to the /usr/sbin wrapper, or 0.1.0-1's link to hooks/qemu */
  packaged?: 'wrapper' | 'direct';
  /** a rule taken out of the strict profile */
  drop?: string;
  want: RegExp;
  level: 'ok' | 'warn' | 'FAIL';
}

const cases: Case[] = [
  { name: 'unconfined daemon', label: 'unconfined', level: 'ok', want: /^libvirtd \(pid 4242\) runs unconfined: AppArmor does not restrict the hook$/ },
  { name: 'complain mode', label: 'libvirtd (complain)', level: 'ok', want: /profile 'libvirtd \(complain\)': it only logs what it would deny$/ },
  { name: 'AppArmor not active (no label)', level: 'ok', want: /^AppArmor is not active for libvirtd \(pid 4242\)/ },
  { name: 'label through attr/current when AppArmor is the major LSM', label: 'unconfined', attrCurrent: true, level: 'ok', want: /runs unconfined/ },
  { name: 'an SELinux context is not judged', label: 'system_u:system_r:virtd_t:s0-s0:c0.c1023', level: 'ok', want: /not an AppArmor profile/ },
  { name: 'enforce, profile file missing', label: 'libvirtd (enforce)', level: 'warn', want: /cannot be read to check it/ },
  { name: 'enforce, hook not installed', label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', installed: false, level: 'ok', want: /install the hook to have doctor check/ },
  {
    name: "Debian 12's profile refuses a hook installed under /usr/lib/virt-mdev", label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', level: 'FAIL',
    want: new RegExp(`denies executing hooks/qemu ${HOOK}: libvirt reports the hook failed .*add '${HOOK} PUx,' to /etc/apparmor\\.d/local/usr\\.sbin\\.libvirtd, then 'apparmor_parser -r /etc/apparmor\\.d/usr\\.sbin\\.libvirtd'$`),
  },
  {
    name: 'the local snippet with PUx lets the hook leave the profile', label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', local: `${HOOK} PUx,\n`, level: 'ok',
    want: new RegExp(`/etc/libvirt/hooks/qemu\\.d/50-virt-mdev \\(/etc/libvirt/hooks/\\*\\* rmix\\) → ${HOOK} \\(${HOOK} PUx\\), which leaves the profile`),
  },
  {
    name: 'hooks/qemu inherits (rix) and /usr/bin/node leaves by /usr/bin/* PUx', label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', local: '/usr/lib/virt-mdev/** rix,\n', level: 'ok',
    want: /→ \/usr\/bin\/node \(\/usr\/bin\/\* PUx\), which leaves the profile/,
  },
  {
    name: 'node under /usr/local is refused once hooks/qemu inherits', label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', local: '/usr/lib/virt-mdev/** rix,\n', node: '/usr/local/bin/node', level: 'FAIL',
    want: /denies executing node \/usr\/local\/bin\/node: .*add '\/usr\/local\/bin\/node PUx,'/,
  },
  {
    name: 'an explicit deny wins over the allow', label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', local: `${HOOK} PUx,\naudit deny /usr/lib/virt-mdev/** x,\n`, level: 'FAIL',
    want: /denies executing hooks\/qemu \/usr\/lib\/virt-mdev\/hooks\/qemu \(deny \/usr\/lib\/virt-mdev\/\*\* x\)/,
  },
  {
    name: 'a strict profile the hook never leaves must allow its files', label: 'libvirtd (enforce)', profile: 'strict', level: 'FAIL',
    want: /which the hook never leaves .*denies writing sysfs create \/sys\/devices\/virtual\/mtty\/mtty\/mdev_supported_types\/mtty-1\/create, writing sysfs remove \/sys\/devices\/virtual\/mtty\/mtty\/0{8}-0{4}-0{4}-0{4}-0{12}\/remove, writing the ledger \/run\/virt-mdev\/ledger\.json, writing its lock files \/run\/virt-mdev\/locks\/ledger\.lock: add '\/usr\/lib\/virt-mdev\/hooks\/qemu PUx,'/,
  },
  {
    name: 'a strict profile that grants them', label: 'libvirtd (enforce)', profile: 'strict', local: '', level: 'ok',
    want: /the hook stays under it .* and it allows every program the hook runs and every file it reads and writes$/,
  },
  {
    name: "a strict profile without the remover's dd fails: no device could be removed", label: 'libvirtd (enforce)', profile: 'strict', local: '', drop: '/usr/bin/dd mix,', level: 'FAIL',
    want: /which the hook never leaves .* and which denies executing dd \/usr\/bin\/dd: add '\/usr\/lib\/virt-mdev\/hooks\/qemu PUx,'/,
  },
  {
    name: 'a strict profile without grep fails at hooks/qemu, before node', label: 'libvirtd (enforce)', profile: 'strict', local: '', drop: '/bin/grep mix,', level: 'FAIL',
    want: /which the hook never leaves \(\/etc\/libvirt\/hooks\/qemu\.d\/50-virt-mdev \([^)]*\) → \/usr\/lib\/virt-mdev\/hooks\/qemu \([^)]*\)\) and which denies executing grep \/bin\/grep: /,
  },
  {
    name: 'flock leaving the profile does not free node: its files are still checked', label: 'libvirtd (enforce)', profile: 'strict', local: '/usr/bin/flock PUx,\n', drop: '/usr/bin/flock mix,', level: 'ok',
    want: /the hook stays under it .*→ \/usr\/bin\/node \(\/usr\/bin\/node mix\)\) and it allows every program/,
  },
  {
    name: "the package's link → /usr/sbin/virt-mdev-qemu-hook leaves Debian 12's profile with no local snippet", label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', packaged: 'wrapper', level: 'ok',
    want: /it lets the hook run: \/etc\/libvirt\/hooks\/qemu\.d\/50-virt-mdev → \/usr\/sbin\/virt-mdev-qemu-hook \(\/usr\/sbin\/\* PUx\), which leaves the profile/,
  },
  {
    name: "0.1.0-1's link straight to /usr/lib/virt-mdev/hooks/qemu is refused by Debian 12's profile", label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', packaged: 'direct', level: 'FAIL',
    want: new RegExp(`denies executing hooks/qemu ${HOOK}: libvirt reports the hook failed`),
  },
  {
    name: "the package's link with a deny on /usr/sbin/virt-mdev-*", label: 'libvirtd (enforce)', profile: 'usr.sbin.libvirtd', packaged: 'wrapper', local: 'deny /usr/sbin/virt-mdev-* x,\n', level: 'FAIL',
    want: /denies executing the package's hook wrapper \/usr\/sbin\/virt-mdev-qemu-hook \(deny \/usr\/sbin\/virt-mdev-\* x\)/,
  },
  { name: 'virtqemud (modular daemons) and its own profile file', comm: 'virtqemud', label: 'virtqemud (enforce)', level: 'warn', want: /^virtqemud \(pid 4242\) runs under AppArmor profile 'virtqemud \(enforce\)', but \/etc\/apparmor\.d\/usr\.sbin\.virtqemud cannot be read/ },
];

function put(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

for (const c of cases) {
  test(`apparmor: ${c.name}`, async (t) => {
    const r = await root();
    t.teardown(r.cleanup);
    const proc = path.join(r.dir, 'proc');
    // a few other processes first: the daemon is found by its comm, not by position
    put(path.join(proc, '1/comm'), 'init\n');
    put(path.join(proc, '77/comm'), 'libvirtd-wrapper\n');
    put(path.join(proc, 'self/comm'), 'libvirtd\n');
    put(path.join(proc, '4242/comm'), `${c.comm ?? 'libvirtd'}\n`);
    if (c.label !== undefined) {
      if (c.attrCurrent) {
        put(path.join(proc, '4242/attr/current'), `${c.label}\n`);
        put(path.join(r.dir, 'sys/module/apparmor/parameters/enabled'), 'Y\n');
      } else put(path.join(proc, '4242/attr/apparmor/current'), `${c.label}\0`);
    }
    if (c.profile) put(path.join(r.dir, 'etc/apparmor.d/usr.sbin.libvirtd'), fs.readFileSync(path.join(DATA, c.profile), 'utf8'));
    if (c.profile === 'strict' && c.local !== undefined) {
      put(path.join(r.dir, 'etc/apparmor.d/usr.sbin.libvirtd'), fs.readFileSync(path.join(DATA, 'strict'), 'utf8')
        .replace(`  ${c.drop}\n`, '')
        .replace(/}\s*$/, `  /sys/devices/** w,\n  /run/virt-mdev/** rwk,\n${c.local}}\n`));
    } else if (c.local !== undefined) put(path.join(r.dir, LOCAL), c.local);
    const hooksDir = path.join(r.dir, 'etc/libvirt/hooks');
    if (c.packaged) {
      // as dpkg installs it, but the link relative, so that it resolves inside the simulated root
      put(path.join(r.dir, HOOK.slice(1)), fs.readFileSync(path.join(repoRoot, 'hooks/qemu'), 'utf8'));
      put(path.join(r.dir, 'usr/sbin/virt-mdev-qemu-hook'), packageHookText(HOOK));
      put(path.join(r.dir, 'usr/bin/node'), '');
      fs.mkdirSync(path.join(hooksDir, 'qemu.d'), { recursive: true });
      fs.symlinkSync(c.packaged === 'wrapper' ? '../../../../usr/sbin/virt-mdev-qemu-hook' : `../../../..${HOOK}`, path.join(hooksDir, 'qemu.d/50-virt-mdev'));
    } else if (c.installed !== false) put(path.join(hooksDir, 'qemu.d/50-virt-mdev'), wrapperText({ nodePath: c.node ?? '/usr/bin/node', hookPath: c.hook ?? HOOK }));
    const host = new HostRoot(r.dir);
    const check = apparmorCheck(host, openMdevBus(host), hooksDir);
    t.is(check.name, 'apparmor');
    t.is(check.level, c.level, check.message);
    t.regex(check.message, c.want);
  });
}

test('apparmor: doctor on a simulated host says it has no daemon to look at, and stays ok', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  const d = await cli(r.dir, ['doctor']);
  const line = String(d.stdout).split('\n').find((l) => /^\S+ +apparmor /.test(l)) ?? '';
  t.regex(line, new RegExp(`^ok +apparmor +no libvirtd or virtqemud process under ${r.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/proc \\(not running, or a simulated host\\)`));
});
