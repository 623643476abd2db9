// `virt-mdev install` / `uninstall`: the qemu hook, the boot units and the udev rule, and (when asked)
// the override that masks mdevctl's rule. Everything is checked before anything is written, so a
// refusal leaves the host as it was; files that are not ours are never overwritten or removed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { writeFileAtomic } from '../util/atomic.js';
import { errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
import { AUTOSTART_FILES, BOOT_UNIT, fillTemplate, installationCli, isOurs, METRICS_FILES, METRICS_TIMER, readTemplate } from './autostart-files.js';
import { installationHook, inspectInstalled, installHook, uninstallHook } from './install.js';
import { inspectMdevctlRule, overridePath, overrideText, type MdevctlRule } from './mdevctl-rule.js';

export interface InstallDirs {
  hooksDir: string;
  unitsDir: string;
  rulesDir: string;
}

export interface InstallOptions extends InstallDirs {
  root: HostRoot;
  nodePath: string;
  /** mask mdevctl's 60-mdevctl.rules so that only virt-mdev autostarts */
  takeOverMdevctl: boolean;
}

export type FileAction = 'installed' | 'updated' | 'unchanged' | 'removed' | 'absent' | 'kept';

export interface FileChange {
  file: string;
  action: FileAction;
  /** why a file was kept (not ours, already masked) */
  note?: string;
}

export interface InstallReport {
  changes: FileChange[];
  mdevctl: MdevctlRule;
  /** commands the admin runs next */
  next: string[];
}

/** every unit and rule install writes: boot autostart, then the metrics timer */
const TEMPLATE_FILES = [...AUTOSTART_FILES, ...METRICS_FILES];

export function defaultDirs(root: HostRoot): InstallDirs {
  return { hooksDir: root.p('etc/libvirt/hooks'), unitsDir: root.p('etc/systemd/system'), rulesDir: root.p('etc/udev/rules.d') };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    if (errnoCode(e) === 'EISDIR') return '';
    throw e;
  }
}

function targetOf(dirs: InstallDirs, f: { name: string; where: 'units' | 'rules' }): string {
  return path.join(f.where === 'units' ? dirs.unitsDir : dirs.rulesDir, f.name);
}

function refuseMdevctl(rule: MdevctlRule): void {
  if (rule.state !== 'working') return;
  throw new VirtMdevError(ExitCode.EXISTS, 'mdevctl-autostarts',
    `mdevctl's udev rule ${rule.file} starts mdevs marked auto too${rule.program ? ` (it runs ${rule.program})` : ''}; two autostarters would race: run 'virt-mdev install --take-over-mdevctl' to mask it so that virt-mdev owns autostart ('virt-mdev uninstall' gives it back), or keep mdevctl's and install only the hook with 'virt-mdev install-hook'`);
}

/** Write text at file unless it is there already; a file that is not ours is refused before any write. */
function writeOurs(file: string, text: string): FileChange {
  const cur = readIfExists(file);
  if (cur === text) return { file, action: 'unchanged' };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileAtomic(file, text, 0o644);
  return { file, action: cur === undefined ? 'installed' : 'updated' };
}

export function installAll(o: InstallOptions): InstallReport {
  const mdevctl = inspectMdevctlRule(o.root, o.rulesDir);
  if (!o.takeOverMdevctl) refuseMdevctl(mdevctl);
  const values = { nodePath: o.nodePath, cliPath: installationCli(), root: o.root };
  const files = TEMPLATE_FILES.map((f) => ({ file: targetOf(o, f), text: fillTemplate(readTemplate(f.name), values) }));
  for (const f of files) {
    const cur = readIfExists(f.file);
    if (cur !== undefined && !isOurs(cur)) {
      throw new VirtMdevError(ExitCode.EXISTS, 'file-exists', `${f.file} exists and was not written by virt-mdev: refusing to overwrite it; move it away, or install elsewhere with --units-dir/--rules-dir`);
    }
  }
  if (o.takeOverMdevctl && mdevctl.state === 'working' && mdevctl.file === overridePath(o.rulesDir)) {
    throw new VirtMdevError(ExitCode.EXISTS, 'mdevctl-copy', `${mdevctl.file} is an admin's copy of mdevctl's rule, not an override virt-mdev can replace: move it away and run install again`);
  }
  const hookState = inspectInstalled(o.hooksDir);
  if (hookState.state === 'linked') {
    throw new VirtMdevError(ExitCode.EXISTS, 'hook-packaged', `${hookState.file} is a link to ${hookState.target}, the hook of an installed virt-mdev package, which also installs the units and the udev rule: nothing to install`);
  }
  if (hookState.state === 'foreign') {
    throw new VirtMdevError(ExitCode.EXISTS, 'hook-exists', `${hookState.file} exists and was not written by virt-mdev: refusing to overwrite it; move it away, or install into another hooks directory with --hooks-dir`);
  }
  // everything checked: now write
  const hook = installHook(o.hooksDir, { nodePath: o.nodePath, hookPath: installationHook(), rootDir: o.root.dir });
  const changes: FileChange[] = [{ file: hook.file, action: hook.unchanged ? 'unchanged' : hook.replaced ? 'updated' : 'installed' }];
  for (const f of files) changes.push(writeOurs(f.file, f.text));
  if (o.takeOverMdevctl) {
    const ov = overridePath(o.rulesDir);
    if (mdevctl.state === 'masked' && !mdevctl.ours) changes.push({ file: ov, action: 'kept', note: 'mdevctl\'s rule is already masked' });
    else changes.push(writeOurs(ov, overrideText()));
  }
  const next = ['systemctl daemon-reload', `systemctl enable ${BOOT_UNIT}`, 'udevadm control --reload',
    `systemctl enable --now ${METRICS_TIMER}   # with prometheus-node-exporter: metrics for its textfile collector`];
  if (!hook.unchanged) next.push('systemctl restart libvirtd   # or virtqemud: libvirt reads hooks only at start');
  return { changes, mdevctl: inspectMdevctlRule(o.root, o.rulesDir), next };
}

function removeOurs(file: string): FileChange {
  const cur = readIfExists(file);
  if (cur === undefined) return { file, action: 'absent' };
  if (!isOurs(cur)) return { file, action: 'kept', note: 'not written by virt-mdev' };
  fs.unlinkSync(file);
  return { file, action: 'removed' };
}

/** `systemctl enable` links a unit into TARGET.wants; a link to our file is ours too. */
function removeEnableLink(unitsDir: string, target: string, unit: string): FileChange | undefined {
  const link = path.join(unitsDir, `${target}.wants`, unit);
  let linked: string;
  try {
    linked = fs.readlinkSync(link);
  } catch {
    return undefined;
  }
  if (path.basename(linked) !== unit) return { file: link, action: 'kept', note: 'not a link to virt-mdev\'s unit' };
  fs.unlinkSync(link);
  return { file: link, action: 'removed' };
}

export function uninstallAll(root: HostRoot, dirs: InstallDirs): InstallReport {
  const changes: FileChange[] = [];
  const hook = inspectInstalled(dirs.hooksDir);
  if (hook.state === 'foreign') changes.push({ file: hook.file, action: 'kept', note: 'not written by virt-mdev' });
  else if (hook.state === 'linked') changes.push({ file: hook.file, action: 'kept', note: "the virt-mdev package's hook" });
  else {
    const r = uninstallHook(dirs.hooksDir);
    changes.push({ file: r.file, action: r.removed ? 'removed' : 'absent' });
  }
  for (const [target, unit] of [['multi-user.target', BOOT_UNIT], ['timers.target', METRICS_TIMER]] as const) {
    const link = removeEnableLink(dirs.unitsDir, target, unit);
    if (link) changes.push(link);
  }
  for (const f of TEMPLATE_FILES) changes.push(removeOurs(targetOf(dirs, f)));
  changes.push(removeOurs(overridePath(dirs.rulesDir)));
  return { changes, mdevctl: inspectMdevctlRule(root, dirs.rulesDir), next: ['systemctl daemon-reload', 'udevadm control --reload'] };
}
