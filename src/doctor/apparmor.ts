// doctor's AppArmor check. libvirt runs hooks as children of libvirtd (or virtqemud): a hook starts
// under the daemon's AppArmor profile, and every program it executes either stays under it or leaves
// it, as the profile's exec rules say. Debian 12's usr.sbin.libvirtd allows reading and writing
// everywhere ('/** rwmkl') but executing only /etc/libvirt/hooks/** (inherit), /bin, /sbin, /usr/bin,
// /usr/sbin (PUx: leave) and a few libvirt helpers: a hook installed under /opt or a node under
// /usr/local is refused. The check follows the installed hook's chain: wrapper → hooks/qemu → node,
// or, for the Debian package, its link → /usr/sbin/virt-mdev-qemu-hook (which leaves the profile).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { inspectInstalled } from '../install/install.js';
import { DD_PATHS, SH } from '../mdevbus/sh-remover.js';
import type { MdevBus } from '../mdevbus/types.js';
import { bundleName } from '../util/package-layout.js';
import { allows, execMode, readProfile, type Profile } from './apparmor-profile.js';
import type { Check } from './doctor.js';

const DAEMONS = ['libvirtd', 'virtqemud'];
const NAME = 'apparmor';

interface Daemon { pid: number; comm: string; label: string | undefined }

function readSmall(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\0/g, '').trim();
  } catch {
    return undefined;
  }
}

/** the first libvirtd or virtqemud under the root's /proc, with its security label */
function findDaemon(root: HostRoot): Daemon | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync(root.p('proc')).filter((n) => /^[1-9][0-9]{0,9}$/.test(n));
  } catch {
    return undefined;
  }
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    const comm = readSmall(root.p('proc', pid, 'comm'));
    if (comm === undefined || !DAEMONS.includes(comm)) continue;
    // attr/apparmor/current is AppArmor's own (5.8+); attr/current belongs to whichever LSM is the major one
    const own = readSmall(root.p('proc', pid, 'attr/apparmor/current'));
    const shared = own === undefined && readSmall(root.p('sys/module/apparmor/parameters/enabled')) === 'Y'
      ? readSmall(root.p('proc', pid, 'attr/current')) : undefined;
    return { pid: Number(pid), comm, label: own ?? shared };
  }
  return undefined;
}

/** the host path as the confined process sees it: symlinks resolved (AppArmor matches the real path) */
function hostReal(root: HostRoot, p: string): string {
  try {
    const real = fs.realpathSync(root.p(p));
    const rel = path.relative(root.realDir, real);
    return rel.startsWith('..') ? p : '/' + rel;
  } catch {
    return p;
  }
}

interface Need { what: string; path: string; access: 'r' | 'w' }

/** what the hook's node does on the host, when it runs under the daemon's profile (it did not leave it) */
function fileNeeds(root: HostRoot, bus: MdevBus, hookPath: string): Need[] {
  let create = '/sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/TYPE/create';
  let remove = '/sys/devices/pci0000:00/0000:00:02.0/00000000-0000-0000-0000-000000000000/remove';
  try {
    const p = bus.listParents().find((x) => x.types.length > 0);
    if (p) {
      create = `${p.sysfsPath}/mdev_supported_types/${p.types[0]!.id}/create`;
      remove = `${p.sysfsPath}/00000000-0000-0000-0000-000000000000/remove`;
    }
  } catch { /* the generic example paths */ }
  const rel = (abs: string): string => '/' + path.relative(root.dir, abs);
  return [
    { what: "the hook's code", path: path.resolve(path.dirname(hookPath), '../dist/app', bundleName('hook')), access: 'r' },
    { what: 'hook.conf', path: rel(path.join(root.etcDir, 'hook.conf')), access: 'r' },
    { what: "libvirt's status files", path: rel(path.join(root.libvirtQemuRunDir, 'x.xml')), access: 'r' },
    { what: 'sysfs create', path: create, access: 'w' },
    { what: 'sysfs remove', path: remove, access: 'w' },
    { what: 'the ledger', path: rel(path.join(root.runDir, 'ledger.json')), access: 'w' },
    { what: 'its lock files', path: rel(path.join(root.runDir, 'locks/ledger.lock')), access: 'w' },
    { what: 'its log', path: rel(path.join(root.logDir, 'hook.log')), access: 'w' },
  ];
}

function localFile(comm: string): string {
  return `/etc/apparmor.d/local/usr.sbin.${comm}`;
}

/** where hooks/qemu looks for node when no VIRT_MDEV_NODE is set (the package's link sets none) */
const HOOK_NODES = ['/usr/bin/node', '/usr/local/bin/node', '/opt/node/bin/node'];

function hookNode(root: HostRoot): string {
  return HOOK_NODES.find((n) => {
    try {
      return fs.statSync(root.p(n)).isFile();
    } catch {
      return false;
    }
  }) ?? HOOK_NODES[0]!;
}

/**
 * via: the link libvirt executes, if it is one (the profile judges `path`, the file the link resolves to);
 * runs: the programs this step itself executes, which must be allowed while it stays under the profile
 */
interface Step { what: string; path: string; via?: string; runs?: Step[] }

/**
 * The programs the installed hook executes, as resolved paths: install-hook's wrapper (a file in
 * qemu.d) → hooks/qemu → node; or the package's link, which resolves to its wrapper in /usr/sbin
 * (→ hooks/qemu → node), or a link straight to a hooks/qemu (→ node). AppArmor sees the resolved path.
 */
function hookChain(root: HostRoot, hooksDir: string): { chain: Step[]; hookPath: string } | undefined {
  const inst = inspectInstalled(hooksDir);
  const file = '/' + path.relative(root.dir, inst.file);
  if (inst.state === 'ours') {
    return {
      hookPath: inst.info.hookPath,
      chain: [
        { what: 'the hook wrapper', path: hostReal(root, file) },
        { what: 'hooks/qemu', path: hostReal(root, inst.info.hookPath), runs: shellTools(root) },
        { what: 'node', path: hostReal(root, inst.info.nodePath), runs: nodeChildren(root) },
      ],
    };
  }
  if (inst.state !== 'linked') return undefined;
  const viaWrapper = inst.hookPath !== inst.target;
  return {
    hookPath: inst.hookPath,
    chain: [
      { what: viaWrapper ? "the package's hook wrapper" : 'hooks/qemu', path: hostReal(root, file), via: file, ...(viaWrapper ? {} : { runs: shellTools(root) }) },
      ...(viaWrapper ? [{ what: 'hooks/qemu', path: hostReal(root, inst.hookPath), runs: shellTools(root) }] : []),
      { what: 'node', path: hostReal(root, hookNode(root)), runs: nodeChildren(root) },
    ],
  };
}

/** what hooks/qemu executes before node (libvirt gives it PATH=/bin:/sbin) */
function shellTools(root: HostRoot): Step[] {
  return [{ what: 'cat', path: hostReal(root, '/bin/cat') }, { what: 'grep', path: hostReal(root, '/bin/grep') }];
}

/** what the hook's node executes on a real host: flock(1) for its locks, the remover's sh and its dd (src/mdevbus/sh-remover.ts) */
function nodeChildren(root: HostRoot): Step[] {
  const exists = (p: string): boolean => fs.existsSync(root.p(p));
  return [
    { what: 'flock', path: hostReal(root, '/usr/bin/flock') },
    { what: "the remover's sh", path: hostReal(root, SH) },
    { what: 'dd', path: hostReal(root, DD_PATHS.find(exists) ?? DD_PATHS[0]!) },
  ];
}

/** Follow wrapper → hooks/qemu → node under the profile: the first refusal, or the point where the hook leaves it. */
function judgeChain(root: HostRoot, bus: MdevBus, prof: Profile, d: Daemon, hooksDir: string): Check {
  const who = `${d.comm} (pid ${d.pid}) runs under AppArmor profile '${d.label}'`;
  const hook = hookChain(root, hooksDir);
  if (!hook) return { name: NAME, level: 'ok', message: `${who}; install the hook to have doctor check that the profile lets it run` };
  const fix = `${localFile(d.comm)}, then 'apparmor_parser -r /etc/apparmor.d/usr.sbin.${d.comm}'`;
  const confined = { who, fix, steps: [] as string[], hookPath: hook.hookPath };
  for (const step of hook.chain) {
    const m = execMode(prof, step.path);
    if (m.kind === 'denied') {
      return { name: NAME, level: 'FAIL', message: `${who}, which denies executing ${step.what} ${step.path}${m.rule ? ` (${m.rule})` : ''}: libvirt reports the hook failed and no VM with mdevs starts; add '${step.path} PUx,' to ${fix}` };
    }
    confined.steps.push(`${step.via ? `${step.via} → ` : ''}${step.path} (${m.rule})`);
    if (m.kind === 'leave') {
      return { name: NAME, level: 'ok', message: `${who}; it lets the hook run: ${confined.steps.join(' → ')}, which leaves the profile, so nothing else the hook does is confined` };
    }
    if (m.kind === 'other') {
      return { name: NAME, level: 'warn', message: `${who}; ${step.what} ${step.path} runs under a profile of its own (${m.rule}) that doctor does not check: it must allow what the README lists for the hook` };
    }
    // a program that leaves the profile frees only itself: the step that runs it stays confined
    const refused = (step.runs ?? []).filter((c) => execMode(prof, c.path).kind === 'denied');
    if (refused.length > 0) return confinedFailure(root, confined, refused.map((c) => `executing ${c.what} ${c.path}`));
  }
  const missing = fileNeeds(root, bus, hook.hookPath).filter((n) => !allows(prof, n.path, n.access));
  if (missing.length > 0) return confinedFailure(root, confined, missing.map((n) => `${n.access === 'r' ? 'reading' : 'writing'} ${n.what} ${n.path}`));
  return { name: NAME, level: 'ok', message: `${who}; the hook stays under it (${confined.steps.join(' → ')}) and it allows every program the hook runs and every file it reads and writes` };
}

function confinedFailure(root: HostRoot, h: { who: string; fix: string; steps: string[]; hookPath: string }, denied: string[]): Check {
  return { name: NAME, level: 'FAIL', message: `${h.who}, which the hook never leaves (${h.steps.join(' → ')}) and which denies ${denied.join(', ')}: add '${hostReal(root, h.hookPath)} PUx,' to ${h.fix}` };
}

export function apparmorCheck(root: HostRoot, bus: MdevBus, hooksDir: string): Check {
  const d = findDaemon(root);
  if (!d) {
    return { name: NAME, level: 'ok', message: `no libvirtd or virtqemud process under ${root.p('proc')} (not running, or a simulated host): AppArmor not checked (doctor run on the host itself says which profile hooks inherit)` };
  }
  if (d.label === undefined) return { name: NAME, level: 'ok', message: `AppArmor is not active for ${d.comm} (pid ${d.pid}): hooks run with the daemon's own rights` };
  if (d.label === 'unconfined') return { name: NAME, level: 'ok', message: `${d.comm} (pid ${d.pid}) runs unconfined: AppArmor does not restrict the hook` };
  const m = /^(.+) \((enforce|complain|kill|prompt|unconfined)\)$/.exec(d.label);
  if (!m) return { name: NAME, level: 'ok', message: `${d.comm} (pid ${d.pid}) has security label '${d.label}', not an AppArmor profile: doctor does not check other security modules` };
  if (m[2] === 'complain' || m[2] === 'unconfined') {
    return { name: NAME, level: 'ok', message: `${d.comm} (pid ${d.pid}) runs under AppArmor profile '${d.label}': it only logs what it would deny` };
  }
  const prof = readProfile(root.p('etc/apparmor.d'), `usr.sbin.${d.comm}`);
  if (!prof) {
    return { name: NAME, level: 'warn', message: `${d.comm} (pid ${d.pid}) runs under AppArmor profile '${d.label}', but /etc/apparmor.d/usr.sbin.${d.comm} cannot be read to check it: it must let hooks execute virt-mdev's hooks/qemu and node (see the README)` };
  }
  return judgeChain(root, bus, prof, d, hooksDir);
}
