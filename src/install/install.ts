// install-hook / uninstall-hook: put a small sh wrapper at <hooks>/qemu.d/50-virt-mdev that runs this
// installation's hooks/qemu with the absolute node path recorded (libvirt's PATH is /bin:/sbin).
// qemu.d/ (libvirt >= 6.5) leaves any existing /etc/libvirt/hooks/qemu of the admin's untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
import { bundleName, packageFile } from '../util/package-layout.js';

export const WRAPPER_NAME = '50-virt-mdev';
export const WRAPPER_MARK = '# virt-mdev-hook-wrapper v1';

/** this installation's hooks/qemu */
export function installationHook(): string {
  return packageFile('hooks/qemu');
}

export function wrapperPath(hooksDir: string): string {
  return path.join(hooksDir, 'qemu.d', WRAPPER_NAME);
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function shUnquote(s: string): string {
  return s.replace(/^'/, '').replace(/'$/, '').replace(/'\\''/g, "'");
}

/** the program a wrapper of ours execs (its `exec PATH "$@"` line) */
function execLine(lines: string[]): string | undefined {
  const exec = lines.find((l) => l.startsWith('exec ') && l.endsWith(' "$@"'));
  return exec ? shUnquote(exec.slice('exec '.length, exec.length - ' "$@"'.length)) : undefined;
}

export interface WrapperInfo {
  nodePath: string;
  hookPath: string;
  /** host root the hook works on; only for simulated hosts ('/' is never written) */
  rootDir?: string;
}

export function wrapperText(w: WrapperInfo): string {
  return [
    '#!/bin/sh',
    WRAPPER_MARK,
    "# Installed by 'virt-mdev install-hook'; remove with 'virt-mdev uninstall-hook'. libvirt runs every",
    '# executable in qemu.d/ with the domain XML on stdin; this runs virt-mdev\'s hook with the node found',
    '# at install time (libvirt gives hooks only PATH=/bin:/sbin).',
    `VIRT_MDEV_NODE=${shQuote(w.nodePath)}`,
    'export VIRT_MDEV_NODE',
    ...(w.rootDir && w.rootDir !== '/' ? [`VIRT_MDEV_ROOT=${shQuote(w.rootDir)}`, 'export VIRT_MDEV_ROOT'] : []),
    `exec ${shQuote(w.hookPath)} "$@"`,
    '',
  ].join('\n');
}

/** Parse a wrapper we wrote; undefined when the file is not ours. */
export function parseWrapper(text: string): WrapperInfo | undefined {
  const lines = text.split('\n');
  if (lines[1] !== WRAPPER_MARK) return undefined;
  const node = lines.find((l) => l.startsWith('VIRT_MDEV_NODE='));
  const hookPath = execLine(lines);
  const root = lines.find((l) => l.startsWith('VIRT_MDEV_ROOT='));
  if (!node || hookPath === undefined) return undefined;
  return {
    nodePath: shUnquote(node.slice('VIRT_MDEV_NODE='.length)),
    hookPath,
    rootDir: root ? shUnquote(root.slice('VIRT_MDEV_ROOT='.length)) : undefined,
  };
}

/**
 * linked: a symlink to a virt-mdev hook, as the Debian package installs it (dpkg owns the link:
 * install-hook and uninstall-hook leave it to the package). `target` is the file the link resolves to:
 * the package's hook wrapper (packageHookText), which runs `hookPath`, or a hooks/qemu itself.
 */
export type Installed = { state: 'absent'; file: string } | { state: 'foreign'; file: string } | { state: 'ours'; file: string; info: WrapperInfo }
  | { state: 'linked'; file: string; target: string; hookPath: string };

/** the second line of hooks/qemu, which names it */
export const HOOK_MARK = "# virt-mdev's libvirt qemu hook";
/** the second line of the Debian package's hook wrapper */
export const PACKAGE_HOOK_MARK = '# virt-mdev-package-hook v1';

/**
 * The Debian package's hook: a real file in /usr/sbin that qemu.d/50-virt-mdev links to. Not a link to
 * hooks/qemu itself: AppArmor judges an exec by the resolved path, and Debian's libvirtd profile lets a
 * hook execute /usr/sbin/* (PUx: it leaves the profile) but nothing under /usr/lib/virt-mdev.
 */
export function packageHookText(hookPath: string): string {
  return [
    '#!/bin/sh',
    PACKAGE_HOOK_MARK,
    "# virt-mdev's libvirt qemu hook as the virt-mdev Debian package installs it: libvirt runs it through",
    '# /etc/libvirt/hooks/qemu.d/50-virt-mdev. A file here, not a link, so that AppArmor sees /usr/sbin:',
    "# Debian's libvirtd profile lets hooks run /usr/sbin/* unconfined (PUx), not /usr/lib/virt-mdev.",
    '# stdin, arguments and exit status are those of hooks/qemu (exec).',
    `exec ${shQuote(hookPath)} "$@"`,
    '',
  ].join('\n');
}

function linkedHook(file: string): { target: string; hookPath: string } | undefined {
  try {
    if (!fs.lstatSync(file).isSymbolicLink()) return undefined;
    const target = fs.realpathSync(file);
    const lines = fs.readFileSync(target, 'utf8').split('\n', 12);
    if (lines[1]?.startsWith(HOOK_MARK)) return { target, hookPath: target };
    const hookPath = lines[1] === PACKAGE_HOOK_MARK ? execLine(lines) : undefined;
    return hookPath ? { target, hookPath } : undefined;
  } catch {
    return undefined;
  }
}

/** the refusal for a hook the Debian package owns */
function packageOwned(file: string, target: string, what: string): VirtMdevError {
  return new VirtMdevError(ExitCode.EXISTS, 'hook-packaged',
    `${file} is a link to ${target}, the hook of an installed virt-mdev package: ${what}`);
}

export function inspectInstalled(hooksDir: string): Installed {
  const file = wrapperPath(hooksDir);
  const linked = linkedHook(file);
  if (linked) return { state: 'linked', file, ...linked };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { state: 'absent', file };
    if (errnoCode(e) === 'EISDIR') return { state: 'foreign', file };
    throw e;
  }
  const info = parseWrapper(text);
  return info ? { state: 'ours', file, info } : { state: 'foreign', file };
}

export interface InstallResult { file: string; replaced: boolean; unchanged: boolean }

export function installHook(hooksDir: string, w: WrapperInfo): InstallResult {
  for (const [what, p] of [['node', w.nodePath], ['hook', w.hookPath]] as const) {
    if (!path.isAbsolute(p)) throw new VirtMdevError(ExitCode.USAGE, 'not-absolute', `the ${what} path '${p}' must be absolute`);
    try {
      fs.accessSync(p, fs.constants.X_OK);
    } catch {
      throw new VirtMdevError(ExitCode.HOST, 'not-executable', `${p} is missing or not executable: the ${what} the installed hook would run must exist (build virt-mdev with 'npm ci && npm run build')`);
    }
  }
  // hooks/qemu runs the hook's bundle beside it
  const main = path.resolve(path.dirname(w.hookPath), '../dist/app', bundleName('hook'));
  if (!fs.existsSync(main)) {
    throw new VirtMdevError(ExitCode.HOST, 'not-built', `${main} is missing: build virt-mdev first ('npm ci && npm run build' in ${path.resolve(path.dirname(w.hookPath), '..')})`);
  }
  const cur = inspectInstalled(hooksDir);
  if (cur.state === 'linked') throw packageOwned(cur.file, cur.target, "it is installed already; the package's upgrades keep it current");
  if (cur.state === 'foreign') {
    throw new VirtMdevError(ExitCode.EXISTS, 'hook-exists',
      `${cur.file} exists and was not written by virt-mdev: refusing to overwrite it; move it away, or install into another hooks directory with --hooks-dir`);
  }
  const text = wrapperText(w);
  if (cur.state === 'ours') {
    try {
      if (fs.readFileSync(cur.file, 'utf8') === text && (fs.statSync(cur.file).mode & 0o111) !== 0) return { file: cur.file, replaced: false, unchanged: true };
    } catch { /* rewrite it */ }
  }
  fs.mkdirSync(path.dirname(cur.file), { recursive: true, mode: 0o755 });
  writeFileAtomic(cur.file, text, 0o755);
  return { file: cur.file, replaced: cur.state === 'ours', unchanged: false };
}

export function uninstallHook(hooksDir: string): { file: string; removed: boolean } {
  const cur = inspectInstalled(hooksDir);
  if (cur.state === 'absent') return { file: cur.file, removed: false };
  if (cur.state === 'linked') throw packageOwned(cur.file, cur.target, "leaving it to the package ('apt remove virt-mdev' removes it)");
  if (cur.state === 'foreign') {
    throw new VirtMdevError(ExitCode.EXISTS, 'hook-foreign', `${cur.file} was not written by virt-mdev: leaving it in place; remove it by hand if you mean to`);
  }
  fs.unlinkSync(cur.file);
  return { file: cur.file, removed: true };
}
