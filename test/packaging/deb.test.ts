// `npm run deb`'s package (scripts/deb.ts), built here from a fresh bundle build: what it installs where,
// its control data, its maintainer scripts, the hook as a symlink to its /usr/sbin wrapper (AppArmor),
// and lintian's verdict (errors fail).
// Needs dpkg-deb and lintian (Debian's packages; .ci/run installs lintian): without them the test says
// so and passes, except under CI, where it fails.
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unitProgram } from '../../src/install/autostart-files.js';
import { packageHookText, WRAPPER_MARK } from '../../src/install/install.js';
import { buildDeb, CLI, HOOK_LINK, HOOK_SCRIPT, HOOK_WRAPPER, LAUNCHER, NODE } from '../../scripts/deb.js';
import { repoRoot } from '../helpers/cli.js';
import { devices, domainXml, HOOK_ENV, simHost, uuid } from '../hook/helpers.js';
import { inTinyTmpfs, needTmpfs } from '../helpers/tmpfs.js';

const tools = ['dpkg-deb', 'lintian'].filter((c) => !fs.existsSync(`/usr/bin/${c}`));

function haveTools(t: ExecutionContext): boolean {
  if (tools.length === 0) return true;
  const why = `${tools.join(' and ')} missing (Debian's dpkg and lintian packages; .ci/run installs them)`;
  if (process.env.CI) t.fail(`${why}: CI must run this test`);
  else {
    t.log(`skipped: ${why}`);
    t.pass();
  }
  return false;
}

interface Entry { mode: string; owner: string; path: string; link?: string }

interface Built {
  deb: string;
  entries: Entry[];
  /** the package's files, extracted */
  tree: string;
  /** DEBIAN/ */
  control: string;
  version: string;
}

let built: Promise<Built> | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virt-mdev-debtest-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

function build(): Promise<Built> {
  built ??= (async () => {
    const { file, version } = await buildDeb(repoRoot, path.join(tmp, 'stage'), path.join(tmp, 'out'));
    const list = (await execa('dpkg-deb', ['-c', file])).stdout;
    const entries = list.split('\n').map((l): Entry => {
      const m = /^(\S+) (\S+)\s+\d+ \S+ \S+ \.(\/\S*?)\/?(?: -> (\S+))?$/.exec(l);
      if (!m) throw new Error(`dpkg-deb -c: unexpected line '${l}'`);
      return { mode: m[1], owner: m[2], path: m[3], link: m[4] };
    });
    const tree = path.join(tmp, 'tree');
    const control = path.join(tmp, 'control');
    await execa('dpkg-deb', ['-x', file, tree]);
    await execa('dpkg-deb', ['-e', file, control]);
    return { deb: file, entries, tree, control, version };
  })();
  return built;
}

function entry(b: Built, p: string): Entry | undefined {
  return b.entries.find((e) => e.path === p);
}

test('the package holds the bundled code, the hook as a symlink, units, rule, logrotate, tmpfiles, man page, completion and docs', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  const expected = [
    '/usr/bin/virt-mdev', '/usr/sbin/virt-mdev-qemu-hook',
    '/usr/lib/virt-mdev/dist/app/virt-mdev.mjs', '/usr/lib/virt-mdev/dist/app/hook.cjs', '/usr/lib/virt-mdev/dist/app/remove-child.cjs',
    '/usr/lib/virt-mdev/hooks/qemu', '/usr/lib/virt-mdev/schemas/domain-mdev.rng', '/usr/lib/virt-mdev/schemas/pool.rng',
    '/lib/systemd/system/virt-mdev-autostart.service', '/lib/systemd/system/virt-mdev-autostart@.service',
    '/lib/systemd/system/virt-mdev-metrics.service', '/lib/systemd/system/virt-mdev-metrics.timer', '/lib/udev/rules.d/61-virt-mdev.rules',
    '/etc/logrotate.d/virt-mdev', '/usr/lib/tmpfiles.d/virt-mdev.conf', '/usr/share/man/man8/virt-mdev.8.gz',
    '/usr/share/bash-completion/completions/virt-mdev', '/usr/share/doc/virt-mdev/copyright', '/usr/share/doc/virt-mdev/changelog.Debian.gz',
  ];
  for (const p of expected) t.truthy(entry(b, p), `${p} is in the package`);
  t.true(b.entries.some((e) => e.path.startsWith('/usr/lib/virt-mdev/dist/app/chunks/')), 'the CLI chunks ship');
  // the hook: a symlink dpkg owns, to a real file in /usr/sbin (AppArmor judges the resolved path, and
  // Debian's libvirtd profile lets hooks run /usr/sbin/* unconfined) that execs the installed hooks/qemu
  t.deepEqual(entry(b, HOOK_LINK), { mode: 'lrwxrwxrwx', owner: 'root/root', path: HOOK_LINK, link: HOOK_WRAPPER });
  t.is(HOOK_WRAPPER, '/usr/sbin/virt-mdev-qemu-hook');
  t.is(entry(b, HOOK_WRAPPER)?.mode, '-rwxr-xr-x');
  const wrapper = fs.readFileSync(path.join(b.tree, HOOK_WRAPPER), 'utf8');
  t.is(wrapper, packageHookText(HOOK_SCRIPT));
  t.true(wrapper.startsWith('#!/bin/sh\n'));
  t.deepEqual(wrapper.split('\n').filter((l) => l !== '' && !l.startsWith('#')), [`exec '${HOOK_SCRIPT}' "$@"`]);
  t.is(entry(b, HOOK_SCRIPT)?.mode, '-rwxr-xr-x');
  t.is(entry(b, '/usr/bin/virt-mdev')?.mode, '-rwxr-xr-x');
  t.is(fs.readFileSync(path.join(b.tree, 'usr/bin/virt-mdev'), 'utf8'), `#!/bin/sh\nexec ${NODE} ${LAUNCHER} "$@"\n`);
  // nothing of the shared store, no node_modules, no tsc output, everything root's
  t.deepEqual(b.entries.filter((e) => /mdevctl\.d|node_modules|\/dist\/src\/|\/etc\/systemd|\/etc\/udev/.test(e.path)).map((e) => e.path), []);
  t.deepEqual(b.entries.filter((e) => e.owner !== 'root/root').map((e) => e.path), []);
  t.deepEqual(b.entries.filter((e) => e.mode.startsWith('d') && e.mode !== 'drwxr-xr-x').map((e) => e.path), []);
});

test('control: version, architecture all, Depends nodejs (>= 18.19), Suggests mdevctl, section, priority, maintainer; only the logrotate file is a conffile', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const field = async (f: string): Promise<string> => (await execa('dpkg-deb', ['-f', b.deb, f])).stdout;
  t.is(await field('Package'), 'virt-mdev');
  t.regex(await field('Version'), new RegExp(`^${pkg.version.replace(/\./g, '\\.')}-\\d+$`));
  t.is(path.basename(b.deb), `virt-mdev_${await field('Version')}_all.deb`);
  t.is(await field('Architecture'), 'all');
  t.is(await field('Depends'), 'nodejs (>= 18.19)');
  t.true((await field('Suggests')).split(/,\s*/).includes('mdevctl'));
  t.is(await field('Section'), 'admin');
  t.is(await field('Priority'), 'optional');
  t.regex(await field('Maintainer'), /^.+ <[^@\s]+@[^@\s]+>$/);
  t.regex(await field('Description'), /^VFIO mediated devices .+\n .+/);
  t.regex(await field('Installed-Size'), /^\d+$/);
  // a conffile survives remove: the hook link must not be one (a hook left pointing at removed code fails every VM's start)
  t.is(fs.readFileSync(path.join(b.control, 'conffiles'), 'utf8'), '/etc/logrotate.d/virt-mdev\n');
});

test('maintainer scripts: POSIX sh with set -e, never touch /etc/mdevctl.d, reload libvirt only when it runs and never restart it', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  for (const s of ['preinst', 'postinst', 'prerm', 'postrm']) {
    const file = path.join(b.control, s);
    const text = fs.readFileSync(file, 'utf8');
    t.true(text.startsWith('#!/bin/sh\n'), `${s} is a /bin/sh script`);
    t.regex(text, /^set -e$/m, `${s} sets -e`);
    t.is((fs.statSync(file).mode & 0o777).toString(8), '755');
    const dash = await execa('dash', ['-n', file], { reject: false });
    t.is(dash.exitCode, 0, `${s} parses with dash: ${dash.stderr}`);
    const code = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
    t.notRegex(code, /mdevctl\.d/, `${s} never names /etc/mdevctl.d outside comments`);
    t.notRegex(code, /\b(systemctl|deb-systemd-invoke|invoke-rc\.d|service)\b[^\n]*\b(restart|try-reload-or-restart|reload-or-restart|force-reload)\b/, `${s} restarts nothing`);
  }
  const postinst = fs.readFileSync(path.join(b.control, 'postinst'), 'utf8');
  // systemd: reload (SIGHUP) only the units that are active, and only when systemd runs; else SIGHUP by pidfile
  t.regex(postinst, /if \[ -d \/run\/systemd\/system \]; then\n\s+for unit in libvirtd\.service virtqemud\.service; do\n.*\n\s+if systemctl --quiet is-active "\$unit"[^\n]*; then\n\s+deb-systemd-invoke reload "\$unit"/);
  t.regex(postinst, /kill -HUP "\$pid"/);
  t.regex(postinst, /udevadm control --reload-rules/);
  t.regex(postinst, /systemctl --system daemon-reload/);
  const postrm = fs.readFileSync(path.join(b.control, 'postrm'), 'utf8');
  t.regex(postrm, /purge\)[\s\S]*rm -rf \/var\/log\/virt-mdev/);
  // the caches root's runs leave (src/util/cache-dir.ts): compiled schemas and V8 code caches
  t.regex(postrm, /purge\)[\s\S]*rm -f [^\n]*\/var\/cache\/virt-mdev\/relaxng-\*\.rngcache/);
  t.regex(postrm, /purge\)[\s\S]*rm -f [^\n]*\/var\/cache\/virt-mdev\/code-\*\.v8cache/);
});

test('units and rule: filled for /usr/bin/node and the installed CLI by install\'s own code, no placeholder left', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  for (const u of ['virt-mdev-autostart.service', 'virt-mdev-autostart@.service', 'virt-mdev-metrics.service']) {
    const text = fs.readFileSync(path.join(b.tree, 'lib/systemd/system', u), 'utf8');
    t.deepEqual(unitProgram(text), { nodePath: NODE, cliPath: CLI }, u);
    t.notRegex(text, /@[A-Z]+@/, u);
    t.regex(text, /^Documentation=man:virt-mdev\(8\)$/m, u);
    t.notRegex(text, /^Environment=VIRT_MDEV_ROOT/m, `${u} works on the real root`);
  }
  const rule = fs.readFileSync(path.join(b.tree, 'lib/udev/rules.d/61-virt-mdev.rules'), 'utf8');
  t.notRegex(rule, /@[A-Z]+@/);
  t.regex(rule, /TEST=="\/etc\/mdevctl\.d\/\$kernel"/);
  t.regex(rule, /TEST=="\/etc\/virt-mdev\/pools\/autostart"/);
  const tmpfiles = fs.readFileSync(path.join(b.tree, 'usr/lib/tmpfiles.d/virt-mdev.conf'), 'utf8');
  t.regex(tmpfiles, /^d \/run\/virt-mdev 0755 root root -$/m, 'tmpfiles.d: /run/virt-mdev, no age');
  t.regex(fs.readFileSync(path.join(b.tree, 'etc/logrotate.d/virt-mdev'), 'utf8'), /^\/var\/log\/virt-mdev\/hook\.log \{$/m);
});

test('the man page is the --help of every command; the completion is the CLI\'s own; the staged CLI runs without node_modules', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  const man = (await execa('gzip', ['-dc', path.join(b.tree, 'usr/share/man/man8/virt-mdev.8.gz')])).stdout;
  t.regex(man, /^\.TH VIRT\\-MDEV 8 /m);
  const cli = path.join(b.tree, CLI.slice(1));
  const help = (await execa(process.execPath, [cli, '--help'], { cwd: b.tree })).stdout;
  t.is((await execa(process.execPath, [path.join(b.tree, LAUNCHER.slice(1)), '--help'], { cwd: b.tree })).stdout, help, 'the launcher prints the same help');
  const commands = help.split('Commands:\n')[1].split('\n').map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1]).filter((c): c is string => !!c && c !== 'help');
  t.true(commands.length > 20, 'the help lists the commands');
  for (const c of commands) t.regex(man, new RegExp(`^\\.SS virt\\\\-mdev ${c.replace(/-/g, '\\\\-')}\\b`, 'm'), `man page has ${c}`);
  const groff = await execa('groff', ['-man', '-ww', '-z', '-Tutf8'], { input: man, reject: false });
  t.is(groff.stderr, '', 'groff finds nothing to warn about');
  const completion = fs.readFileSync(path.join(b.tree, 'usr/share/bash-completion/completions/virt-mdev'), 'utf8');
  t.is(completion, (await execa(process.execPath, [cli, 'completion', 'bash'], { cwd: b.tree })).stdout + '\n');
});

test('the packaged chain qemu.d link → /usr/sbin wrapper → hooks/qemu passes argv, stdin and exit status and runs the staged code', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  // the package's wrapper, pointed at the extracted tree's hooks/qemu (the package's absolute path is not installed here)
  const dir = fs.mkdtempSync(path.join(tmp, 'chain-'));
  const wrapper = path.join(dir, 'virt-mdev-qemu-hook');
  fs.writeFileSync(wrapper, packageHookText(path.join(b.tree, HOOK_SCRIPT)), { mode: 0o755 });
  const link = path.join(dir, '50-virt-mdev');
  fs.symlinkSync(wrapper, link);
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const run = (op: string, input: string) => execa(link, ['vmdeb', op, 'begin', '-'], {
    input, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir }, extendEnv: false, reject: false, timeout: 120_000,
  });
  const u = uuid();
  const xml = domainXml('vmdeb', uuid(), [{ uuid: u, type: 'mtty-2' }]);
  let r = await run('prepare', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), [u], 'the staged hook.cjs created the device: hooks/qemu found its code by its absolute path');
  r = await run('release', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), []);
  // the failures of hooks/qemu come through unchanged: its status, its stderr
  r = await run('prepare', '');
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /^virt-mdev: the domain XML on stdin is empty; refusing to prepare without it$/);
  r = await run('prepare', domainXml('vmdeb', uuid(), [{ uuid: uuid(), type: 'mtty-9' }]));
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /mtty-9/);
  t.deepEqual(devices(sim.dir), []);
});

test('lintian: no errors (warnings are logged)', async (t) => {
  if (!haveTools(t)) return;
  const b = await build();
  const r = await execa('lintian', ['--pedantic', '-I', '-E', '--no-tag-display-limit', b.deb], { reject: false, env: { LC_ALL: 'C.UTF-8' }, timeout: 110_000 });
  const tags = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
  t.log(tags.length === 0 ? 'lintian: no tags' : `lintian:\n${tags.join('\n')}`);
  t.deepEqual(tags.filter((l) => l.startsWith('E: ')), []);
  t.not(r.exitCode, 2, `lintian ran: ${r.stderr}`);
});

test('preinst takes over the wrapper install-hook wrote and refuses a file that is not virt-mdev\'s', async (t) => {
  if (!haveTools(t) || !(await needTmpfs(t))) return;
  const b = await build();
  const preinst = path.join(b.control, 'preinst');
  const hooksDir = '/etc/libvirt/hooks/qemu.d';
  // a private tmpfs over /etc/libvirt (made if missing): the host's own hooks are never seen or touched
  const run = async (setup: string): Promise<{ stdout: string; stderr: string }> => {
    const r = await inTinyTmpfs('/etc/libvirt', '1m', [`mkdir -p ${hooksDir}`, setup, `sh "$PREINST" install; echo "rc=$?"`, `ls -A ${hooksDir}`].join('\n'), { PREINST: preinst });
    return { stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  if (!fs.existsSync('/etc/libvirt')) { t.log('skipped: /etc/libvirt does not exist here'); t.pass(); return; }
  const wrapper = await run(`printf '#!/bin/sh\\n${WRAPPER_MARK}\\nexec /opt/virt-mdev/hooks/qemu "$@"\\n' > ${hooksDir}/50-virt-mdev`);
  t.regex(wrapper.stdout, /rc=0\n$/, 'the wrapper is taken over (removed for dpkg\'s link)');
  t.regex(wrapper.stderr, /replacing .*50-virt-mdev/);
  const foreign = await run(`printf '#!/bin/sh\\necho mine\\n' > ${hooksDir}/50-virt-mdev`);
  t.regex(foreign.stdout, /rc=1\n50-virt-mdev\n$/, 'a foreign hook stops the install and stays');
  t.regex(foreign.stderr, /not written by virt-mdev/);
  for (const target of [HOOK_WRAPPER, HOOK_SCRIPT]) {
    const ours = await run(`ln -s ${target} ${hooksDir}/50-virt-mdev`);
    t.regex(ours.stdout, /rc=0\n50-virt-mdev\n$/, `the package's own link to ${target} (an upgrade) is left to dpkg`);
    t.is(ours.stderr, '');
  }
});
