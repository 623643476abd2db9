// The hook's Node entry (dist/src/hook/main.js) run directly, without hooks/qemu: that sh script turns
// any status of a reconnect or release into 0, so only here is the Node side's own promise tested.
// A failing reconnect must exit 0 (libvirt kills a running VM whose reconnect hook fails), a failing
// release too (libvirt ignores it, and it must not look like a crash); prepare, for contrast, exits 1.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { domainXml, simHost, uuid } from './helpers.js';

const MAIN = path.join(repoRoot, 'dist/src/hook/main.js');

interface Fault {
  name: string;
  /** breaks the host or the input; returns the XML to send */
  setup: (dir: string, xml: string) => string;
  env?: Record<string, string>;
}

const faults: Fault[] = [
  { name: 'malformed XML on stdin', setup: () => "<domain type='kvm'><name>n</name>" },
  { name: 'a DOCTYPE (entity expansion refused)', setup: (_d, x) => `<!DOCTYPE domain [<!ENTITY e "x">]>\n${x}` },
  { name: 'a corrupt ledger', setup: (d, x) => { put(d, 'run/virt-mdev/ledger.json', '{not json'); return x; } },
  { name: 'a ledger that is a directory', setup: (d, x) => { fs.mkdirSync(path.join(d, 'run/virt-mdev/ledger.json'), { recursive: true }); return x; } },
  { name: 'an invalid hook.conf', setup: (d, x) => { put(d, 'etc/virt-mdev/hook.conf', 'remove_timeout = never\n'); return x; } },
  { name: 'a host root that does not exist', setup: (_d, x) => x, env: { VIRT_MDEV_ROOT: '/nonexistent/virt-mdev-root' } },
  { name: 'a bad remove timeout in the environment', setup: (_d, x) => x, env: { VIRT_MDEV_REMOVE_TIMEOUT: '0' } },
];

function put(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

// reconnect and release must exit 0 on every failure; prepare exits 1 where its input or config is bad
const OPS: Array<{ op: string; subop: string; status: number }> = [
  { op: 'reconnect', subop: 'begin', status: 0 },
  { op: 'release', subop: 'end', status: 0 },
];

for (const f of faults) {
  for (const o of OPS) {
    test(`node entry: ${o.op} with ${f.name} exits ${o.status}, one line on stderr`, async (t) => {
      const sim = await simHost(['mtty']);
      t.teardown(sim.cleanup);
      const xml = f.setup(sim.dir, domainXml('ne', uuid(), [{ uuid: uuid(), type: 'mtty-2' }]));
      const r = await execa(process.execPath, [MAIN, 'ne', o.op, o.subop, '-'], {
        input: xml, env: { LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/', VIRT_MDEV_ROOT: sim.dir, ...f.env }, extendEnv: false, reject: false, timeout: 120_000,
      });
      t.is(r.exitCode, o.status, `${r.stderr}`);
      t.true(r.stderr.split('\n').filter(Boolean).length <= 1, r.stderr);
      t.notRegex(r.stderr, /^\s+at /m, 'no stack trace');
    });
  }
}

// the same entry does fail where libvirt may be told so: the faults are real ones
for (const f of faults) {
  test(`node entry: prepare with ${f.name} exits 1 (the fault is real)`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const xml = f.setup(sim.dir, domainXml('ne', uuid(), [{ uuid: uuid(), type: 'mtty-2' }]));
    const r = await execa(process.execPath, [MAIN, 'ne', 'prepare', 'begin', '-'], {
      input: xml, env: { LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/', VIRT_MDEV_ROOT: sim.dir, ...f.env }, extendEnv: false, reject: false, timeout: 120_000,
    });
    t.is(r.exitCode, 1, r.stderr);
    t.regex(r.stderr, /^virt-mdev: /);
  });
}
