// Every state directory virt-mdev writes — the ledger (run/virt-mdev), the hook log (var/log/virt-mdev),
// mdevctl's store (etc/mdevctl.d), pools (etc/virt-mdev/pools) and the `transform -o` target — made
// full (ENOSPC), read-only (EROFS) or not writable (EACCES) for real: a tiny tmpfs mounted over the
// directory inside `unshare -m` (filled, or remounted read-only), and for EACCES a directory without
// write permission and a process without capabilities (setpriv), since root ignores modes. One table of
// directory × fault × command. Each case asserts the exit code, one line naming the path, the
// directory byte for byte as before (no `.NAME.*.tmp` left), and that the VM lifecycle stays safe:
// prepare refuses with nothing created on the simulated sysfs, release still frees the devices.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliPath, hookPath, repoRoot } from '../helpers/cli.js';
import { needTmpfs } from '../helpers/tmpfs.js';
import { HOOK_ENV, cli, devices, domainXml, hook, ledger, markRunning, simHost, uuid, type Sim } from '../hook/helpers.js';
import { startedPool } from '../hook/pool-helpers.js';
import { poolMemberUuid } from '../../src/pools/types.js';

type Fault = 'ENOSPC' | 'EROFS' | 'EACCES';
const FAULTS: Fault[] = ['ENOSPC', 'EROFS', 'EACCES'];

/** what a case leaves behind for its command and its checks */
interface Setup {
  /** argv after `sh -c`: a CLI or hook command line (shell words, already quoted) */
  command: string;
  /** devices on the simulated host before the command */
  devicesBefore: string[];
}

interface Expect {
  exit: number;
  /** the one stderr line; undefined: stderr is empty */
  line?: RegExp;
  /** devices on the simulated host afterwards */
  devices: (before: string[]) => string[];
  /** the directory changed as it should (undefined: byte for byte as before) */
  dirChanges?: boolean;
  /** what stdout must say (commands that report each item there, such as autostart) */
  stdout?: RegExp;
}

interface Case {
  dir: string;
  name: string;
  setup: (sim: Sim) => Promise<Setup>;
  expect: (fault: Fault, sim: Sim) => Expect;
  /** once the directory is writable again (the tmpfs is gone, the old state is back): what must hold then */
  healed?: (sim: Sim) => Promise<string | undefined>;
}

/** gc on the healed host: exit 0, the ledger and sysfs as `want` says */
async function gcHeals(sim: Sim, want: { devices: string[]; ledger: number }): Promise<string | undefined> {
  const g = await cli(sim.dir, ['gc', '--min-age', '0']);
  const got = { exit: g.exitCode, devices: devices(sim.dir), ledger: ledger(sim.dir).length };
  return JSON.stringify(got) === JSON.stringify({ exit: 0, ...want }) ? undefined : `after gc: ${JSON.stringify(got)} ${String(g.stderr)}`;
}

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const hookCmd = (sim: Sim, name: string, op: string, subop: string, xmlFile: string): string =>
  `env -i ${Object.entries({ ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir }).map(([k, v]) => `${k}=${q(v)}`).join(' ')} ${q(hookPath)} ${q(name)} ${op} ${subop} - < ${q(xmlFile)}`;
const cliCmd = (sim: Sim, args: string[]): string => `${q(process.execPath)} ${q(cliPath)} --root ${q(sim.dir)} ${args.map(q).join(' ')}`;

function writeXml(sim: Sim, name: string, text: string): string {
  const f = path.join(sim.dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const ERRNO = (f: Fault): string => f;
const vmXml = (sim: Sim, name: string): { file: string; uuids: string[] } => {
  const uuids = [uuid(), uuid()];
  return { file: writeXml(sim, `${name}.xml`, domainXml(name, uuid(), [{ uuid: uuids[0]!, type: 'mtty-2' }, { uuid: uuids[1]!, type: 'mtty-1' }])), uuids };
};

/**
 * A log that exists may have room left in its last page even on a full tmpfs (appends there succeed):
 * the log cases start without one, so every append needs new space.
 */
function noLog(sim: Sim): void {
  fs.rmSync(path.join(sim.dir, 'var/log/virt-mdev/hook.log'), { force: true });
}

async function must(r: Promise<{ exitCode?: number; stderr: unknown }>, what: string): Promise<void> {
  const x = await r;
  if (x.exitCode !== 0) throw new Error(`${what}: ${String(x.stderr)}`);
}

const CASES: Case[] = [
  {
    dir: 'run/virt-mdev', name: 'hook prepare',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'vm');
      await must(cli(sim.dir, ['ledger']), 'ledger'); // an existing ledger to keep intact
      await must(hook(sim.dir, 'other', 'prepare', 'begin', domainXml('other', uuid(), [{ uuid: uuid(), type: 'mtty-1' }])), 'prepare other');
      return { command: hookCmd(sim, 'vm', 'prepare', 'begin', file), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 1, line: new RegExp(`^virt-mdev: cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'run/virt-mdev', name: 'hook release',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'vm');
      await must(hook(sim.dir, 'vm', 'prepare', 'begin', fs.readFileSync(file, 'utf8')), 'prepare');
      return { command: hookCmd(sim, 'vm', 'release', 'end', file), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({
      exit: 0, devices: () => [],
      line: new RegExp(`^virt-mdev: vm: cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} .*removed its devices anyway`),
    }),
    // the ledger still lists the removed devices as vm's (as after a crash right after the removes): gc drops them
    healed: (sim) => gcHeals(sim, { devices: [], ledger: 0 }),
  },
  {
    dir: 'run/virt-mdev', name: 'hook release of a domain that drew from a pool',
    setup: async (sim) => {
      await startedPool(sim.dir, 'p', 'mtty-2', 2);
      const file = writeXml(sim, 'vm.xml', domainXml('vm', uuid(), [{ uuid: uuid(), pool: 'p' }]));
      await must(hook(sim.dir, 'vm', 'prepare', 'begin', fs.readFileSync(file, 'utf8')), 'prepare');
      return { command: hookCmd(sim, 'vm', 'release', 'end', file), devicesBefore: devices(sim.dir) };
    },
    // the drawn device goes; its member is not made again (it could not be recorded: nobody would own it)
    expect: (f, sim) => ({
      exit: 0, devices: () => [poolMemberUuid('p', 0), poolMemberUuid('p', 1)].filter((u) => ledger(sim.dir).some((e) => e.uuid === u)).sort(),
      line: new RegExp(`^virt-mdev: vm: cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} .*removed its devices anyway`),
    }),
    healed: (sim) => gcHeals(sim, { devices: [poolMemberUuid('p', 0), poolMemberUuid('p', 1)].sort(), ledger: 2 }),
  },
  {
    dir: 'run/virt-mdev', name: 'pool-start',
    setup: async (sim) => {
      const file = writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>2</size></mdevpool>\n");
      await must(cli(sim.dir, ['pool-define', file]), 'pool-define');
      await must(hook(sim.dir, 'other', 'prepare', 'begin', domainXml('other', uuid(), [{ uuid: uuid(), type: 'mtty-1' }])), 'prepare other');
      return { command: cliCmd(sim, ['pool-start', 'p']), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'var/log/virt-mdev', name: 'hook prepare',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'vm');
      await must(hook(sim.dir, 'other', 'prepare', 'begin', domainXml('other', uuid(), [{ uuid: uuid(), type: 'mtty-1' }])), 'prepare other');
      noLog(sim);
      return { command: hookCmd(sim, 'vm', 'prepare', 'begin', file), devicesBefore: devices(sim.dir) };
    },
    // logging is never the reason a VM does not start: the devices are made and recorded
    expect: (f, sim) => ({
      exit: 0, devices: (b) => [...b, ...ledger(sim.dir).filter((e) => e.domain?.name === 'vm').map((e) => e.uuid)].sort(),
      line: new RegExp(`^virt-mdev: cannot write the hook log '${sim.dir}/var/log/virt-mdev/hook.log': ${ERRNO(f)} `),
    }),
  },
  {
    dir: 'var/log/virt-mdev', name: 'hook release',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'vm');
      await must(hook(sim.dir, 'vm', 'prepare', 'begin', fs.readFileSync(file, 'utf8')), 'prepare');
      noLog(sim);
      return { command: hookCmd(sim, 'vm', 'release', 'end', file), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 0, devices: () => [], line: new RegExp(`^virt-mdev: cannot write the hook log '${sim.dir}/var/log/virt-mdev/hook.log': ${ERRNO(f)} `) }),
  },
  {
    dir: 'etc/mdevctl.d', name: 'nodedev-define',
    setup: async (sim) => {
      await must(cli(sim.dir, ['nodedev-define', path.join(repoRoot, 'samples/nodedev/define-mtty-generated-uuid.xml')]), 'define');
      return { command: cliCmd(sim, ['nodedev-define', path.join(repoRoot, 'samples/nodedev/define-mtty-generated-uuid.xml')]), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the definition '${sim.dir}/etc/mdevctl.d/mtty/[0-9a-f-]{36}': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'etc/mdevctl.d', name: 'nodedev-autostart',
    setup: async (sim) => {
      const r = await cli(sim.dir, ['nodedev-define', path.join(repoRoot, 'samples/nodedev/define-mtty-generated-uuid.xml')]);
      const u = /[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}/.exec(String(r.stdout))![0].replace(/_/g, '-');
      return { command: cliCmd(sim, ['nodedev-autostart', u]), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the definition '${sim.dir}/etc/mdevctl.d/mtty/[0-9a-f-]{36}': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'etc/mdevctl.d', name: 'nodedev-undefine',
    setup: async (sim) => {
      const r = await cli(sim.dir, ['nodedev-define', path.join(repoRoot, 'samples/nodedev/define-mtty-generated-uuid.xml')]);
      const u = /[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}/.exec(String(r.stdout))![0].replace(/_/g, '-');
      return { command: cliCmd(sim, ['nodedev-undefine', u]), devicesBefore: devices(sim.dir) };
    },
    // removing a file needs no space: on a full file system undefine works
    expect: (f, sim) => (f === 'ENOSPC' ? { exit: 0, devices: (b) => b, dirChanges: true } : {
      exit: 8, line: new RegExp(`^virt-mdev: cannot write the definition '${sim.dir}/etc/mdevctl.d/mtty/[0-9a-f-]{36}': ${ERRNO(f)} `), devices: (b) => b,
    }),
  },
  {
    dir: 'etc/virt-mdev/pools', name: 'pool-undefine',
    setup: async (sim) => {
      const file = writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>2</size></mdevpool>\n");
      await must(cli(sim.dir, ['pool-define', file]), 'pool-define');
      return { command: cliCmd(sim, ['pool-undefine', 'p']), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => (f === 'ENOSPC' ? { exit: 0, devices: (b) => b, dirChanges: true } : {
      exit: 8, line: new RegExp(`^virt-mdev: cannot write the pool '${sim.dir}/etc/virt-mdev/pools/p.xml': ${ERRNO(f)} `), devices: (b) => b,
    }),
  },
  {
    dir: 'etc/virt-mdev/pools', name: 'pool-define',
    setup: async (sim) => {
      const file = writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>2</size></mdevpool>\n");
      await must(cli(sim.dir, ['pool-define', file]), 'pool-define');
      writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>3</size></mdevpool>\n");
      return { command: cliCmd(sim, ['pool-define', file]), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the pool '${sim.dir}/etc/virt-mdev/pools/p.xml': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'etc/virt-mdev/pools', name: 'pool-autostart',
    setup: async (sim) => {
      const file = writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>2</size></mdevpool>\n");
      await must(cli(sim.dir, ['pool-define', file]), 'pool-define');
      return { command: cliCmd(sim, ['pool-autostart', 'p']), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot .*'${sim.dir}/etc/virt-mdev/pools/autostart/p.xml': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'etc/virt-mdev/pools', name: 'hook prepare drawing from a pool (reads only)',
    setup: async (sim) => {
      await startedPool(sim.dir, 'p', 'mtty-2', 2);
      const file = writeXml(sim, 'vm.xml', domainXml('vm', uuid(), [{ uuid: uuid(), pool: 'p' }]));
      return { command: hookCmd(sim, 'vm', 'prepare', 'begin', file), devicesBefore: devices(sim.dir) };
    },
    // a read-only or full /etc never keeps a VM from drawing: pools are only read
    expect: (f, sim) => ({ exit: 0, devices: () => ledger(sim.dir).map((e) => e.uuid).sort() }),
  },
  {
    dir: 'run/virt-mdev', name: 'gc of a domain that no longer runs',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'gone');
      await must(hook(sim.dir, 'gone', 'prepare', 'begin', fs.readFileSync(file, 'utf8')), 'prepare');
      return { command: cliCmd(sim, ['gc', '--min-age', '0']), devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} `), devices: (b) => b }),
    healed: (sim) => gcHeals(sim, { devices: [], ledger: 0 }),
  },
  {
    dir: 'run/virt-mdev', name: 'hook reconnect',
    setup: async (sim) => {
      const { file } = vmXml(sim, 'vm');
      const xml = fs.readFileSync(file, 'utf8');
      await must(hook(sim.dir, 'vm', 'prepare', 'begin', xml), 'prepare');
      markRunning(sim.dir, 'vm', xml);
      return { command: hookCmd(sim, 'vm', 'reconnect', 'begin', file), devicesBefore: devices(sim.dir) };
    },
    // a failing reconnect would kill the running VM: it succeeds whatever the ledger's directory does
    expect: () => ({ exit: 0, devices: (b) => b }),
  },
  {
    dir: 'run/virt-mdev', name: 'autostart',
    setup: async (sim) => {
      const file = writeXml(sim, 'p.xml', "<mdevpool><name>p</name><type id='mtty-1'/><size>2</size></mdevpool>\n");
      await must(cli(sim.dir, ['pool-define', file]), 'pool-define');
      await must(cli(sim.dir, ['pool-autostart', 'p']), 'pool-autostart');
      await must(cli(sim.dir, ['ledger']), 'ledger');
      await must(hook(sim.dir, 'other', 'prepare', 'begin', domainXml('other', uuid(), [{ uuid: uuid(), type: 'mtty-1' }])), 'prepare other');
      return { command: cliCmd(sim, ['autostart']), devicesBefore: devices(sim.dir) };
    },
    // each pool's line on stdout says why; stderr sums up for the unit's status
    expect: (f, sim) => ({
      exit: 8, line: /^virt-mdev: 1 of 1 pool\(s\) incomplete \(exit 8\)\n$/, devices: (b) => b,
      stdout: new RegExp(`cannot write the ledger '${sim.dir}/run/virt-mdev/ledger.json': ${ERRNO(f)} `),
    }),
  },
  {
    dir: 'var/lib/prometheus/node-exporter', name: 'metrics --textfile',
    setup: async (sim) => {
      fs.mkdirSync(path.join(sim.dir, 'var/lib/prometheus/node-exporter'), { recursive: true });
      fs.writeFileSync(path.join(sim.dir, 'var/lib/prometheus/node-exporter/virt_mdev.prom'), '# the last good scrape\n');
      return { command: cliCmd(sim, ['metrics', '--textfile']), devicesBefore: devices(sim.dir) };
    },
    // node_exporter keeps serving the last good file
    expect: (f, sim) => ({ exit: 8, line: new RegExp(`^virt-mdev: cannot write the metrics file '${sim.dir}/var/lib/prometheus/node-exporter/virt_mdev.prom': ${ERRNO(f)} `), devices: (b) => b }),
  },
  {
    dir: 'out', name: 'transform -o',
    setup: async (sim) => {
      fs.mkdirSync(path.join(sim.dir, 'out'), { recursive: true });
      fs.writeFileSync(path.join(sim.dir, 'out/ready.xml'), 'old\n');
      const input = path.join(repoRoot, 'samples/domains/every-form-in-one-domain.xml');
      const transform = `${q(process.execPath)} ${q(cliPath)} transform ${q(input)} -o ${q(path.join(sim.dir, 'out/ready.xml'))}`;
      return { command: transform, devicesBefore: devices(sim.dir) };
    },
    expect: (f, sim) => ({ exit: 2, line: new RegExp(`^virt-mdev: cannot write '${sim.dir}/out/ready.xml': ${ERRNO(f)} `), devices: (b) => b }),
  },
];

/** Everything under $FS but the filler: type, path, size, mode and the bytes' hash. */
const SNAP = `snap() { (cd "$FS" && find . -path './fill*' -prune -o -type d -printf 'd %p %m\\n' -o -printf '%y %p %s %m %l\\n' | sort && find . -type f ! -path './fill*' -exec sha256sum {} + | sort); }`;

function faultLines(fault: Fault): string {
  switch (fault) {
    // every block, then every inode (so that a directory or link cannot be made either)
    case 'ENOSPC': return 'cat /dev/zero > "$FS/fill" 2>/dev/null; i=0; while (: > "$FS/fill.$i") 2>/dev/null; do i=$((i+1)); done; true';
    case 'EROFS': return 'mount -o remount,ro "$FS" || exit 98';
    case 'EACCES': return 'chmod -R a-w "$FS" || exit 98';
  }
}

let setprivOk: Promise<boolean> | undefined;
function canDropCaps(): Promise<boolean> {
  setprivOk ??= execa('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', 'true'], { reject: false }).then((r) => r.exitCode === 0, () => false);
  return setprivOk;
}

for (const c of CASES) {
  for (const fault of FAULTS) {
    test(`${c.dir} ${fault}: ${c.name}`, async (t) => {
      if (!(await needTmpfs(t))) return;
      if (fault === 'EACCES' && !(await canDropCaps())) {
        if (process.env.CI) t.fail('setpriv cannot drop capabilities: CI must run this test');
        else t.log('skipped: setpriv cannot drop capabilities here');
        return;
      }
      const sim = await simHost(['mtty']);
      t.teardown(sim.cleanup);
      const st = await c.setup(sim);
      const target = path.join(sim.dir, c.dir);
      fs.mkdirSync(target, { recursive: true });
      const saved = path.join(sim.dir, '.saved-state');
      const logs = path.join(sim.dir, '.logs');
      fs.mkdirSync(logs);
      const asUser = fault === 'EACCES' ? 'setpriv --inh-caps=-all --bounding-set=-all -- ' : '';
      const script = [
        SNAP,
        `cp -a "$FS" ${q(saved)} && mount -t tmpfs -o size=256k,nr_inodes=200 none "$FS" && cp -a ${q(saved)}/. "$FS"/ || exit 99`,
        faultLines(fault),
        'snap > "$LOGS/before"',
        `${asUser}sh -c ${q(st.command)} > "$LOGS/stdout" 2> "$LOGS/stderr"; echo $? > "$LOGS/rc"`,
        'snap > "$LOGS/after"',
      ].join('\n');
      const r = await execa('unshare', ['-m', 'sh', '-c', script], { env: { FS: target, LOGS: logs }, reject: false, timeout: 120_000 });
      t.is(r.exitCode, 0, `harness: ${String(r.stderr)}`);
      const read = (n: string): string => fs.readFileSync(path.join(logs, n), 'utf8');
      const e = c.expect(fault, sim);
      const stderr = read('stderr');
      const detail = `stderr: ${stderr}`;
      t.is(Number(read('rc')), e.exit, detail);
      if (e.line) {
        t.is(stderr.split('\n').filter(Boolean).length, 1, `one line: ${detail}`);
        t.regex(stderr, e.line);
      } else t.is(stderr, '', detail);
      if (e.stdout) t.regex(read('stdout'), e.stdout);
      if (!e.dirChanges) t.is(read('after'), read('before'), 'the directory is byte for byte as before, no temporary file left');
      t.notRegex(read('after'), /\.tmp /, 'no temporary file left');
      t.deepEqual(devices(sim.dir), e.devices(st.devicesBefore), 'devices on the simulated host');
      if (c.healed) t.is(await c.healed(sim), undefined);
    });
  }
}
