// virt-mdev doctor: what this host lacks for mdevs and for the hook, one line per check with what to do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { readLedger } from '../ledger/store.js';
import type { MdevBus } from '../mdevbus/types.js';
import { isVirtMdevError } from '../util/errors.js';
import { HOOK_MARK, inspectInstalled } from '../install/install.js';
import { apparmorCheck } from './apparmor.js';
import { autostartOwnerCheck, calloutsCheck, type AutostartDirs } from './autostart-checks.js';

export type CheckLevel = 'ok' | 'warn' | 'FAIL';

export interface Check {
  name: string;
  level: CheckLevel;
  message: string;
}

// the runtime (hook, CLI, autostart) runs on Debian 12 and Ubuntu 24.04's own nodejs (18.20, 18.19)
const MIN_NODE: [number, number] = [18, 19];

function nodeCheck(version: string): Check {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number);
  const ok = maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1]);
  return ok
    ? { name: 'node', level: 'ok', message: `Node ${version} (needs >= ${MIN_NODE.join('.')})` }
    : { name: 'node', level: 'FAIL', message: `Node ${version} is too old: install Node >= ${MIN_NODE.join('.')} and run 'virt-mdev install-hook' again so the hook uses it` };
}

function moduleCheck(root: HostRoot, mod: string, hint: string): Check {
  return fs.existsSync(root.p('sys/module', mod))
    ? { name: `module ${mod}`, level: 'ok', message: `kernel module ${mod} is loaded` }
    : { name: `module ${mod}`, level: 'FAIL', message: `kernel module ${mod} is not loaded (no /sys/module/${mod}): ${hint}` };
}

export interface DoctorInput {
  root: HostRoot;
  bus: MdevBus;
  hooksDir: string;
  nodeVersion?: string;
  /** the hook config loader (kept outside so doctor does not depend on the hook's code) */
  loadConfig?: () => unknown;
  /** where 'virt-mdev install' puts the units and the udev rule (default: under the root's etc/) */
  autostartDirs?: AutostartDirs;
}

export function runDoctor(i: DoctorInput): Check[] {
  const { root } = i;
  const out: Check[] = [nodeCheck(i.nodeVersion ?? process.version)];
  out.push(moduleCheck(root, 'vfio', "run 'modprobe vfio' (and vfio_iommu_type1)"));
  out.push(moduleCheck(root, 'mdev', "run 'modprobe mdev' (loaded with the vendor driver: i915 with enable_gvt=1, nvidia vGPU, vfio_ccw, vfio_ap)"));
  out.push(fs.existsSync(root.p('dev/vfio/vfio'))
    ? { name: '/dev/vfio/vfio', level: 'ok', message: '/dev/vfio/vfio exists' }
    : { name: '/dev/vfio/vfio', level: 'FAIL', message: "/dev/vfio/vfio is missing: libvirt refuses mdev hostdevs without it; run 'modprobe vfio'" });
  try {
    const parents = i.bus.listParents();
    out.push(parents.length > 0
      ? { name: 'parents', level: 'ok', message: `${parents.length} mdev parent(s): ${parents.map((p) => `${p.name} (${p.types.map((t) => `${t.id}: ${t.availableInstances} left`).join(', ')})`).join('; ')}` }
      : { name: 'parents', level: 'FAIL', message: 'no mdev parent devices (/sys/class/mdev_bus is empty): load and configure the vendor driver (i915.enable_gvt=1, nvidia-vgpud, vfio_ccw, vfio_ap)' });
  } catch (e) {
    out.push({ name: 'parents', level: 'FAIL', message: `cannot read the mdev bus: ${(e as Error).message}` });
  }
  out.push(hookCheck(i.hooksDir), apparmorCheck(root, i.bus, i.hooksDir));
  const dirs = i.autostartDirs ?? { unitsDir: root.p('etc/systemd/system'), rulesDir: root.p('etc/udev/rules.d') };
  out.push(autostartOwnerCheck(root, dirs), calloutsCheck(root));
  if (i.loadConfig) {
    try {
      i.loadConfig();
      out.push({ name: 'hook.conf', level: 'ok', message: fs.existsSync(path.join(root.etcDir, 'hook.conf')) ? `${path.join(root.etcDir, 'hook.conf')} is valid` : 'no hook.conf: defaults (remove_timeout = 30 s)' });
    } catch (e) {
      out.push({ name: 'hook.conf', level: 'FAIL', message: `${isVirtMdevError(e) ? e.message : String(e)}: prepare refuses to start domains with mdevs until it is fixed (release, reconnect and gc use the defaults)` });
    }
  }
  try {
    const l = readLedger(root);
    const pending = l.devices.filter((e) => e.state !== 'active');
    out.push(pending.length === 0
      ? { name: 'ledger', level: 'ok', message: `ledger lists ${l.devices.length} device(s) virt-mdev owns, none pending` }
      : { name: 'ledger', level: 'warn', message: `${pending.length} device(s) with an unfinished create or remove (${pending.map((e) => `${e.uuid} ${e.state}`).join(', ')}): run 'virt-mdev gc'` });
  } catch (e) {
    out.push({ name: 'ledger', level: 'FAIL', message: isVirtMdevError(e) ? e.message : String(e) });
  }
  return out;
}

function hookCheck(hooksDir: string): Check {
  const name = 'hook';
  const inst = inspectInstalled(hooksDir);
  if (inst.state === 'ours') {
    const { nodePath, hookPath } = inst.info;
    if (!isExecutable(nodePath)) return { name, level: 'FAIL', message: `${inst.file} runs node at ${nodePath}, which is gone: run 'virt-mdev install-hook' again` };
    if (!isExecutable(hookPath)) return { name, level: 'FAIL', message: `${inst.file} runs ${hookPath}, which is gone: run 'virt-mdev install-hook' from the current installation` };
    if (!isExecutable(inst.file)) return { name, level: 'FAIL', message: `${inst.file} is not executable, so libvirt skips it: chmod 755 it` };
    const main = path.join(hooksDir, 'qemu');
    if (sameFile(main, hookPath)) return { name, level: 'warn', message: `${main} is virt-mdev's hook too, so it runs twice per event: remove one of them` };
    return { name, level: 'ok', message: `${inst.file} runs ${hookPath} (restart libvirtd or virtqemud once after installing)` };
  }
  if (inst.state === 'linked') {
    for (const f of new Set([inst.target, inst.hookPath])) {
      if (!isExecutable(f)) return { name, level: 'FAIL', message: `${inst.file} links to ${inst.target}${f === inst.target ? '' : `, which runs ${f}`}, which is not executable, so the hook cannot run: reinstall the virt-mdev package` };
    }
    const runs = inst.hookPath === inst.target ? '' : `, which runs ${inst.hookPath}`;
    return { name, level: 'ok', message: `${inst.file} links to ${inst.target}${runs} (the virt-mdev package's hook)` };
  }
  const main = path.join(hooksDir, 'qemu');
  if (sameFile(main, undefined)) return { name, level: 'ok', message: `${main} is virt-mdev's hook` };
  if (inst.state === 'foreign') return { name, level: 'FAIL', message: `${inst.file} exists but is not virt-mdev's: move it away and run 'virt-mdev install-hook'` };
  return { name, level: 'FAIL', message: `the hook is not installed in ${hooksDir}: run 'virt-mdev install-hook', then restart libvirtd (or virtqemud)` };
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** is `file` our hooks/qemu (the given one, or any: recognised by its first comment line)? */
function sameFile(file: string, ours: string | undefined): boolean {
  try {
    if (ours) return fs.realpathSync(file) === fs.realpathSync(ours);
    return fs.readFileSync(file, 'utf8').split('\n', 2)[1]?.startsWith(HOOK_MARK) ?? false;
  } catch {
    return false;
  }
}
