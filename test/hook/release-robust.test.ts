// What must never keep release from freeing a stopped domain's devices (a bad hook.conf, a huge or
// unreadable stdin), and what must never let prepare succeed without doing its work (a stdin it
// cannot read). Run as libvirt runs the hook.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hookPath } from '../helpers/cli.js';
import { cli, devices, domainXml, hook, HOOK_ENV, hookLog, ledger, markRunning, markStopped, simHost, sysSnapshot, uuid } from './helpers.js';

function writeConf(dir: string, text: string): void {
  fs.mkdirSync(path.join(dir, 'etc/virt-mdev'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/virt-mdev/hook.conf'), text);
}

/** hooks/qemu with file descriptor 0 closed, not merely empty */
async function hookClosedStdin(root: string, name: string, op: string, subop: string) {
  return execa('/bin/sh', ['-c', 'exec "$0" "$@" <&-', hookPath, name, op, subop, '-'], {
    env: { ...HOOK_ENV, VIRT_MDEV_ROOT: root }, extendEnv: false, reject: false, timeout: 120_000,
  });
}

async function prepared(name: string) {
  const sim = await simHost(['mtty']);
  const dev = uuid();
  const xml = domainXml(name, uuid(), [{ uuid: dev, type: 'mtty-1' }]);
  const r = await hook(sim.dir, name, 'prepare', 'begin', xml);
  if (r.exitCode !== 0) throw new Error(String(r.stderr));
  return { sim, dev, xml };
}

for (const [what, conf] of [['an unknown key', 'bogus = 1\n'], ['remove_timeout = 0', 'remove_timeout = 0\n'], ['a word for seconds', 'lock_timeout = soon\n']]) {
  test(`hook.conf with ${what}: release still frees the domain's devices and logs the defaults`, async (t) => {
    const { sim, dev, xml } = await prepared('conf');
    t.teardown(sim.cleanup);
    writeConf(sim.dir, conf);
    const r = await hook(sim.dir, 'conf', 'release', 'end', xml);
    t.is(r.exitCode, 0, String(r.stderr));
    t.false(devices(sim.dir).includes(dev));
    t.deepEqual(ledger(sim.dir), []);
    t.true(hookLog(sim.dir).some((l) => l.action === 'config-defaults' && /hook\.conf:1/.test(String(l.message))), JSON.stringify(hookLog(sim.dir)));
  });
}

test('hook.conf with remove_timeout = 0: prepare refuses naming key, file and line; nothing created', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  writeConf(sim.dir, '# seconds\nremove_timeout = 0\n');
  const before = sysSnapshot(sim.dir);
  const r = await hook(sim.dir, 'zero', 'prepare', 'begin', domainXml('zero', uuid(), [{ uuid: uuid(), type: 'mtty-1' }]));
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /^virt-mdev: remove_timeout in .*hook\.conf:2: '0' is not a number of seconds above 0 and up to 86400\n$/);
  t.deepEqual(sysSnapshot(sim.dir), before);
});

test('a bad hook.conf: reconnect keeps the running domain and gc still frees leaked devices (with a warning)', async (t) => {
  const { sim, dev, xml } = await prepared('leak');
  t.teardown(sim.cleanup);
  writeConf(sim.dir, 'remove_timeout = 0\n');
  markRunning(sim.dir, 'leak', xml);
  const rc = await hook(sim.dir, 'leak', 'reconnect', 'begin', xml);
  t.is(rc.exitCode, 0, String(rc.stderr));
  t.is(rc.stderr, '');
  t.deepEqual(devices(sim.dir), [dev]);
  markStopped(sim.dir, 'leak');
  const g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.regex(String(g.stderr), /hook\.conf:1: '0' is not a number of seconds above 0.*gc uses the defaults/);
  t.deepEqual(devices(sim.dir), []);
});

test('doctor fails on remove_timeout = 0 and says what it means', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  writeConf(sim.dir, 'remove_timeout = 0\n');
  const r = await cli(sim.dir, ['doctor']);
  t.is(r.exitCode, 1);
  t.regex(String(r.stdout), /FAIL {2}hook\.conf +remove_timeout in .*hook\.conf:1: '0' is not a number of seconds above 0 .*prepare refuses/);
});

test('release with more than 16 MiB on stdin still frees what the domain owns', async (t) => {
  const { sim, dev, xml } = await prepared('huge');
  t.teardown(sim.cleanup);
  const huge = xml.replace('</domain>', `<!-- ${'x'.repeat(17 * 1024 * 1024)} --></domain>`);
  const r = await hook(sim.dir, 'huge', 'release', 'end', huge);
  t.is(r.exitCode, 0, String(r.stderr));
  t.false(devices(sim.dir).includes(dev));
  t.deepEqual(ledger(sim.dir), []);
});

test('release with a closed stdin still frees what the domain owns', async (t) => {
  const { sim, dev } = await prepared('closed');
  t.teardown(sim.cleanup);
  const r = await hookClosedStdin(sim.dir, 'closed', 'release', 'end');
  t.is(r.exitCode, 0, String(r.stderr));
  t.false(devices(sim.dir).includes(dev));
});

test('prepare with a closed or empty stdin fails with one line and creates nothing', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  const closed = await hookClosedStdin(sim.dir, 'blind', 'prepare', 'begin');
  t.is(closed.exitCode, 1);
  t.regex(closed.stderr, /^virt-mdev: cannot read the domain XML from stdin \(closed or unreadable\); refusing to prepare without it$/m);
  t.is(closed.stderr.split('\n').filter((l) => l.startsWith('virt-mdev:')).length, 1);
  const empty = await hook(sim.dir, 'blind', 'prepare', 'begin', '');
  t.is(empty.exitCode, 1);
  t.is(empty.stderr, 'virt-mdev: the domain XML on stdin is empty; refusing to prepare without it\n');
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(ledger(sim.dir), []);
});

test('reconnect with a closed stdin still succeeds (a failing reconnect kills the VM)', async (t) => {
  const { sim, dev } = await prepared('alive');
  t.teardown(sim.cleanup);
  const r = await hookClosedStdin(sim.dir, 'alive', 'reconnect', 'begin');
  t.is(r.exitCode, 0);
  t.regex(r.stderr, /cannot read the domain XML from stdin/);
  t.deepEqual(devices(sim.dir), [dev]);
});
