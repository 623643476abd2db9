// Shared by the hook, ledger and gc tests: simulated hosts, domain XML as `transform` writes it, and
// running hooks/qemu exactly as libvirt does (argv, XML on stdin, a reduced environment).
import { execa, type Result } from 'execa';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initSimHost } from '../../src/simhost/init.js';
import { hookPath, cliPath, tempDir, snapshotTree } from '../helpers/cli.js';

export interface Sim {
  dir: string;
  cleanup: () => void;
}

export async function simHost(profiles: string[] = ['mtty']): Promise<Sim> {
  const t = tempDir('virt-mdev-hook-');
  await initSimHost(t.dir, profiles);
  return t;
}

export interface ManagedSpec { uuid: string; type?: string; pool?: string; parent?: string; model?: string }
export interface UnmanagedSpec { uuid: string; model?: string }

export function uuid(): string {
  return crypto.randomUUID();
}

/** A libvirt-ready domain as `virt-mdev transform` writes it (managed='yes' + our metadata). */
export function domainXml(name: string, domUuid: string, managed: ManagedSpec[] = [], unmanaged: UnmanagedSpec[] = []): string {
  const meta = managed.length === 0 ? '' : [
    '  <metadata>',
    "    <virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'>",
    ...managed.map((m) => `      <virt-mdev:device uuid='${m.uuid}'${m.type ? ` type='${m.type}'` : ''}${m.pool ? ` pool='${m.pool}'` : ''}${m.parent ? ` parent='${m.parent}'` : ''}/>`),
    '    </virt-mdev:mdev>',
    '  </metadata>',
  ];
  const hostdev = (u: string, model: string, managedAttr: string): string[] => [
    `    <hostdev mode='subsystem' type='mdev' managed='${managedAttr}' model='${model}'>`,
    '      <source>',
    `        <address uuid='${u}'/>`,
    '      </source>',
    '    </hostdev>',
  ];
  return [
    "<domain type='kvm'>",
    `  <name>${name}</name>`,
    `  <uuid>${domUuid}</uuid>`,
    ...meta,
    '  <memory unit=\'KiB\'>1048576</memory>',
    '  <os><type arch=\'x86_64\' machine=\'pc\'>hvm</type></os>',
    '  <devices>',
    '    <emulator>/usr/bin/qemu-system-x86_64</emulator>',
    ...managed.flatMap((m) => hostdev(m.uuid, m.model ?? 'vfio-pci', 'yes')),
    ...unmanaged.flatMap((u) => hostdev(u.uuid, u.model ?? 'vfio-pci', 'no')),
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/** A domain with no mdev at all (the common case). */
export function plainDomainXml(name: string, domUuid: string = uuid()): string {
  return `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${domUuid}</uuid>\n  <memory unit='KiB'>1048576</memory>\n  <devices>\n    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/${name}.qcow2'/><target dev='vda' bus='virtio'/></disk>\n  </devices>\n</domain>\n`;
}

/**
 * libvirt's hook environment. hooks/qemu looks for node in the usual places; where this node lives
 * elsewhere (nvm, a CI tool cache) the tests pass its path the way the installed wrapper does.
 */
export const HOOK_ENV: Record<string, string> = {
  LC_ALL: 'C', PATH: '/bin:/sbin', HOME: '/',
  ...(['/usr/bin/node', '/usr/local/bin/node'].includes(process.execPath) ? {} : { VIRT_MDEV_NODE: process.execPath }),
};

/** hooks/qemu NAME OP SUBOP - with the XML on stdin and libvirt's environment (plus the host root). */
export async function hook(root: string, name: string, op: string, subop: string, xml: string, env: Record<string, string> = {}): Promise<Result> {
  return execa(hookPath, [name, op, subop, '-'], {
    input: xml,
    env: { ...HOOK_ENV, VIRT_MDEV_ROOT: root, ...env },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stripFinalNewline: false,
  });
}

/** virt-mdev ARGS against a host root, never throwing on a non-zero exit. */
export async function cli(root: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return execa(process.execPath, [cliPath, '--root', root, ...args], { reject: false, env, timeout: 120_000, stripFinalNewline: false });
}

/** libvirt keeps run/libvirt/qemu/NAME.xml while a domain's QEMU runs. */
export function markRunning(root: string, name: string, xml: string): void {
  const dir = path.join(root, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.xml`), `<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.\n-->\n<domstatus state='running' reason='booted' pid='4242'>\n  <monitor path='/var/lib/libvirt/qemu/domain-1-${name}/monitor.sock' type='unix'/>\n${xml.replace(/^<domain type='kvm'>/, "<domain type='kvm' id='1'>")}</domstatus>\n`);
}

export function markStopped(root: string, name: string): void {
  fs.rmSync(path.join(root, 'run/libvirt/qemu', `${name}.xml`), { force: true });
}

/** UUIDs of every mdev on the host */
/**
 * Devices whose removal waits for their last user: off the bus (as on 6.1), their directory still
 * under the parent. On the simulated hosts of these tests every parent's devices live under sys/devices.
 */
export function lingering(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(e.name) && !fs.existsSync(path.join(root, 'sys/bus/mdev/devices', e.name))) out.push(e.name);
      else if (depth < 6 && e.name !== 'vfio' && e.name !== 'mdev_supported_types') walk(p, depth + 1);
    }
  };
  walk(path.join(root, 'sys/devices'), 0);
  return out.sort();
}

export function devices(root: string): string[] {
  try {
    return fs.readdirSync(path.join(root, 'sys/bus/mdev/devices')).sort();
  } catch {
    return [];
  }
}

export function deviceType(root: string, u: string): string | undefined {
  try {
    return path.basename(fs.readlinkSync(path.join(root, 'sys/bus/mdev/devices', u, 'mdev_type')));
  } catch {
    return undefined;
  }
}

export interface LedgerEntryView { uuid: string; state: string; origin: string; parent: string; type: string; domain?: { name: string; uuid?: string }; note?: string }

export function ledger(root: string): LedgerEntryView[] {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'run/virt-mdev/ledger.json'), 'utf8')) as { devices: LedgerEntryView[] }).devices;
  } catch {
    return [];
  }
}

export function hookLog(root: string): Array<Record<string, unknown>> {
  try {
    return fs.readFileSync(path.join(root, 'var/log/virt-mdev/hook.log'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** The kernel-visible state only (sys/): equal snapshots mean no device or capacity changed. */
export function sysSnapshot(root: string): Record<string, string> {
  return snapshotTree(path.join(root, 'sys'));
}

/** create an unmanaged device by hand, as an admin would (virt-mdev nodedev-create / mdevctl) */
export async function createByHand(root: string, parent: string, type: string, u: string): Promise<void> {
  const { openMdevBus } = await import('../../src/mdevbus/bus.js');
  const { HostRoot } = await import('../../src/host/root.js');
  await openMdevBus(new HostRoot(root)).create(parent, type, u);
}

/** the hook is sh running node: a SIGKILLed node shows as sh's exit status 128 + 9 */
export const killed = (r: { signal?: string; exitCode?: number }): boolean => r.signal === 'SIGKILL' || r.exitCode === 137;

/**
 * Run domain `name` through the hook until VIRT_MDEV_TEST_KILL_AT=kill fires: in prepare when
 * inPrepare, else in the release after a successful prepare and stop. Returns why it did not get
 * killed, or undefined; each step's outcome is pushed to detail.
 */
export async function hookUntilKilled(root: string, name: string, xml: string, kill: string, inPrepare: boolean, detail: string[]): Promise<string | undefined> {
  if (!inPrepare) {
    const p = await hook(root, name, 'prepare', 'begin', xml);
    if (p.exitCode !== 0) return `prepare failed: ${String(p.stderr)}`;
    markRunning(root, name, xml);
    markStopped(root, name);
  }
  const [op, sub] = inPrepare ? ['prepare', 'begin'] : ['release', 'end'];
  const r = await hook(root, name, op, sub, xml, { VIRT_MDEV_TEST_KILL_AT: kill });
  detail.push(`${op} exit=${String(r.exitCode)} signal=${String(r.signal)}`);
  return killed(r) ? undefined : `not killed: ${detail.join('; ')} ${inPrepare ? String(r.stderr) : ''}`;
}
