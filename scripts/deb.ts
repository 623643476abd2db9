// The Debian package's tree, staged from a fresh in-memory build of the bundles (scripts/bundles.ts):
// the code under /usr/lib/virt-mdev in the layout the bundles expect (dist/app, hooks, schemas; no
// node_modules), the hook as a symlink in libvirt's qemu.d to a small wrapper in /usr/sbin (which
// Debian's AppArmor profile for libvirtd lets hooks execute; it runs hooks/qemu), the units and udev
// rule filled in by the same code as 'virt-mdev install' (src/install/autostart-files.ts), and the
// man page and bash completion printed by the staged CLI itself, which so proves that the staged tree
// runs on its own.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { HostRoot } from '../src/host/root.js';
import { AUTOSTART_FILES, fillTemplate, METRICS_FILES, readTemplate } from '../src/install/autostart-files.js';
import { packageHookText, WRAPPER_NAME } from '../src/install/install.js';
import { INSTALL_MARK } from '../src/install/mdevctl-rule.js';
import { buildBundles } from './bundles.js';
import { bundledPackages, copyrightFile } from './deb-copyright.js';

export const PACKAGE = 'virt-mdev';
export const LIB_DIR = '/usr/lib/virt-mdev';
export const NODE = '/usr/bin/node';
/** the CLI the units run */
export const CLI = `${LIB_DIR}/dist/app/virt-mdev.mjs`;
/** what /usr/bin/virt-mdev runs: the launcher, which answers --help and the node-device reports faster (src/cli/launcher.ts) */
export const LAUNCHER = `${LIB_DIR}/dist/app/virt-mdev.cjs`;
export const HOOK_LINK = `/etc/libvirt/hooks/qemu.d/${WRAPPER_NAME}`;
/** the hook's code; libvirt reaches it through HOOK_WRAPPER (AppArmor: see packageHookText) */
export const HOOK_SCRIPT = `${LIB_DIR}/hooks/qemu`;
/** a real file, as AppArmor judges the resolved path: Debian's libvirtd profile lets hooks run /usr/sbin/* (PUx) */
export const HOOK_WRAPPER = '/usr/sbin/virt-mdev-qemu-hook';
/** Debian 12 installs units and rules under /lib (merged /usr makes it /usr/lib as well) */
const UNITS_DIR = '/lib/systemd/system';
const RULES_DIR = '/lib/udev/rules.d';
export const MAINTAINER = 'virt-mdev maintainers <maintainers@users.noreply.r-seed-b5a4c83c.example>';

const DESCRIPTION = [
  'VFIO mediated devices (vGPUs) for libvirt hosts',
  'virt-mdev gives libvirt hosts VFIO mediated devices (mdevs: Intel GVT-g and',
  'NVIDIA vGPUs, vfio-ccw, vfio-ap): a qemu hook that creates the mdevs a',
  "domain's XML asks for when the VM starts and removes them when it stops,",
  'virsh nodedev-* like commands for parents, devices and persistent',
  "definitions (in mdevctl's store), pools of devices, boot autostart,",
  'Prometheus metrics, and transform and validate for domain XML.',
];

export interface DebInfo {
  version: string;
  /** the changelog's date, as Unix seconds: every file's mtime and the man page's date */
  epoch: number;
}

/** version (package.json's, plus a Debian revision) and date from packaging/deb/changelog's top entry */
export function debInfo(repoRoot: string): DebInfo {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const log = fs.readFileSync(path.join(repoRoot, 'packaging/deb/changelog'), 'utf8');
  const version = /^virt-mdev \(([^)]+)\)/.exec(log)?.[1];
  const date = /^ -- .+? {2}(.+)$/m.exec(log)?.[1];
  if (version === undefined || !version.startsWith(`${pkg.version}-`)) {
    throw new Error(`packaging/deb/changelog's top entry is ${version}, package.json says ${pkg.version}: add a changelog entry ${pkg.version}-1`);
  }
  const ms = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`packaging/deb/changelog: cannot read the date of the top entry ('${date}')`);
  return { version, epoch: Math.floor(ms / 1000) };
}

/** Write a file of the staged tree (path absolute in the package) with an explicit mode. */
function put(stage: string, file: string, data: string | Uint8Array, mode = 0o644): void {
  const to = path.join(stage, file);
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  fs.writeFileSync(to, data);
  fs.chmodSync(to, mode);
}

function gz(data: string | Uint8Array): Buffer {
  // zlib's gzip header has no name and mtime 0 (gzip -n): the same bytes on every build
  return zlib.gzipSync(data, { level: 9 });
}

function isScript(data: Uint8Array): boolean {
  return data[0] === 0x23 && data[1] === 0x21; // '#!'
}

/**
 * A filled unit or rule as the package ships it: the mark of virt-mdev's files stays first (doctor knows
 * them by it; 'virt-mdev uninstall' works only in /etc), and the rest of the header that 'virt-mdev
 * install' writes (up to the first bare '#' or the first non-comment line) becomes the package's.
 */
export function packagedText(name: string, filled: string, where: 'units' | 'rules'): string {
  const lines = filled.split('\n');
  if (lines[0] !== INSTALL_MARK) throw new Error(`${name}: a filled template starts with '${INSTALL_MARK}'`);
  let i = 1;
  while (i < lines.length && lines[i].startsWith('#') && lines[i] !== '#') i++;
  if (lines[i] === '#') i++;
  const etc = where === 'units' ? '/etc/systemd/system' : '/etc/udev/rules.d';
  // the man page exists where the package is installed (not in a checkout's 'virt-mdev install')
  const body = lines.slice(i).flatMap((l) => (l === '[Unit]' ? [l, 'Documentation=man:virt-mdev(8)'] : [l]));
  return [
    INSTALL_MARK,
    `# Installed by the virt-mdev Debian package from hooks/${name}, with its paths filled in by the code of`,
    `# 'virt-mdev install'. Do not edit: a file of the same name in ${etc} overrides it.`,
    '#',
    ...body,
  ].join('\n');
}

async function stageCode(repoRoot: string, stage: string, epoch: number): Promise<void> {
  const { files, metafile } = await buildBundles(repoRoot);
  for (const f of files) put(stage, `${LIB_DIR}/dist/app/${f.path}`, f.contents, isScript(f.contents) ? 0o755 : 0o644);
  for (const dir of ['hooks', 'schemas']) {
    // schemas/README.md is for the repository's readers; the code reads only the .rng files
    for (const name of fs.readdirSync(path.join(repoRoot, dir)).sort().filter((n) => !n.endsWith('.md'))) {
      const data = fs.readFileSync(path.join(repoRoot, dir, name));
      put(stage, `${LIB_DIR}/${dir}/${name}`, data, isScript(data) ? 0o755 : 0o644);
    }
  }
  const year = new Date(epoch * 1000).getUTCFullYear();
  put(stage, '/usr/share/doc/virt-mdev/copyright', copyrightFile({ maintainer: MAINTAINER, year, bundled: bundledPackages(repoRoot, [metafile]) }));
}

function stageSystem(repoRoot: string, stage: string): void {
  // a wrapper, not a link to the bundle: Debian's node, whatever PATH says (the bundle's '#!/usr/bin/env node' would not)
  put(stage, '/usr/bin/virt-mdev', `#!/bin/sh\nexec ${NODE} ${LAUNCHER} "$@"\n`, 0o755);
  const values = { nodePath: NODE, cliPath: CLI, root: new HostRoot('/') };
  for (const f of [...AUTOSTART_FILES, ...METRICS_FILES]) {
    const text = packagedText(f.name, fillTemplate(readTemplate(f.name), values), f.where);
    put(stage, `${f.where === 'units' ? UNITS_DIR : RULES_DIR}/${f.name}`, text);
  }
  put(stage, HOOK_WRAPPER, packageHookText(HOOK_SCRIPT), 0o755);
  const link = path.join(stage, HOOK_LINK);
  fs.mkdirSync(path.dirname(link), { recursive: true, mode: 0o755 });
  fs.symlinkSync(HOOK_WRAPPER, link);
  const pk = (name: string): string => fs.readFileSync(path.join(repoRoot, 'packaging/deb', name), 'utf8');
  put(stage, '/etc/logrotate.d/virt-mdev', pk('logrotate'));
  put(stage, '/usr/lib/tmpfiles.d/virt-mdev.conf', pk('tmpfiles.conf'));
  put(stage, '/usr/share/lintian/overrides/virt-mdev', pk('lintian-overrides'));
  put(stage, '/usr/share/doc/virt-mdev/changelog.Debian.gz', gz(pk('changelog')));
  put(stage, '/usr/share/doc/virt-mdev/README.md.gz', gz(fs.readFileSync(path.join(repoRoot, 'README.md'))));
}

/** the staged CLI prints its own man page and completion: run from the staged tree, with no node_modules in reach */
function stageGenerated(stage: string, epoch: number): void {
  const run = (...args: string[]): string => execFileSync(process.execPath, [path.join(stage, CLI), ...args],
    { cwd: stage, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SOURCE_DATE_EPOCH: String(epoch) } });
  put(stage, '/usr/share/man/man8/virt-mdev.8.gz', gz(run('manpage')));
  put(stage, '/usr/share/bash-completion/completions/virt-mdev', run('completion', 'bash'));
}

function installedSizeKiB(stage: string): number {
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'DEBIAN' && d === stage) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += e.isFile() ? Math.ceil(fs.statSync(p).size / 1024) * 1024 : 1024;
    }
  };
  walk(stage);
  return Math.ceil(bytes / 1024);
}

export function controlText(version: string, installedSize: number): string {
  return [
    `Package: ${PACKAGE}`,
    `Version: ${version}`,
    'Architecture: all',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedSize}`,
    'Depends: nodejs (>= 18.19)',
    'Suggests: mdevctl, prometheus-node-exporter',
    'Enhances: libvirt-daemon',
    'Section: admin',
    'Priority: optional',
    `Description: ${DESCRIPTION[0]}`,
    ...DESCRIPTION.slice(1).map((l) => ` ${l}`),
    '',
  ].join('\n');
}

/** every regular file but DEBIAN/ and conffiles, as dpkg's md5sums lists them */
function md5sums(stage: string, conffiles: readonly string[]): string {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(stage, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === 'DEBIAN') continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && !conffiles.includes(`/${r}`)) {
        const hash = execFileSync('md5sum', [path.join(stage, r)], { encoding: 'utf8' }).split(' ')[0];
        out.push(`${hash}  ${r}`);
      }
    }
  };
  walk('');
  return out.join('\n') + '\n';
}

function stageControl(repoRoot: string, stage: string, version: string): void {
  const conffiles = ['/etc/logrotate.d/virt-mdev'];
  for (const s of ['preinst', 'postinst', 'prerm', 'postrm']) put(stage, `/DEBIAN/${s}`, fs.readFileSync(path.join(repoRoot, 'packaging/deb', s)), 0o755);
  put(stage, '/DEBIAN/conffiles', conffiles.join('\n') + '\n');
  put(stage, '/DEBIAN/md5sums', md5sums(stage, conffiles));
  put(stage, '/DEBIAN/control', controlText(version, installedSizeKiB(stage)));
}

/** every file and directory gets the changelog's time (reproducible archives) */
function touchAll(stage: string, epoch: number): void {
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) {
      fs.chmodSync(p, 0o755);
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    }
    if (!st.isSymbolicLink()) fs.utimesSync(p, epoch, epoch);
  };
  walk(stage);
}

export interface BuiltDeb {
  file: string;
  version: string;
}

/** Stage the package in STAGE (created, must not exist) and build OUTDIR/virt-mdev_VERSION_all.deb. */
export async function buildDeb(repoRoot: string, stage: string, outDir: string): Promise<BuiltDeb> {
  const { version, epoch } = debInfo(repoRoot);
  fs.mkdirSync(stage, { mode: 0o755 });
  await stageCode(repoRoot, stage, epoch);
  stageSystem(repoRoot, stage);
  stageGenerated(stage, epoch);
  stageControl(repoRoot, stage, version);
  touchAll(stage, epoch);
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${PACKAGE}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, file], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
  return { file, version };
}
