// mdevctl's own autostarter, 60-mdevctl.rules (it runs `mdevctl start-parent-mdevs` from udev): where
// it is, whether it can work, and whether it is masked by udev's standard override, a file of the
// same name in /etc/udev/rules.d that is empty (comments only) or a link to /dev/null.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { errnoCode } from '../util/errors.js';

export const MDEVCTL_RULE = '60-mdevctl.rules';
/** where packages put it (Debian: /lib/udev/rules.d; merged /usr and upstream: /usr/lib/udev/rules.d) */
const PACKAGED_DIRS = ['lib/udev/rules.d', 'usr/lib/udev/rules.d'];
const BINARY_DIRS = ['usr/bin', 'usr/sbin', 'bin', 'sbin', 'usr/local/bin', 'usr/local/sbin'];
export const INSTALL_MARK = '# virt-mdev-installed v1';

export type MdevctlRule =
  | { state: 'absent' }
  /** masked: by virt-mdev's override (ours) or by the admin; `packaged` is the rule it hides, if any */
  | { state: 'masked'; override: string; ours: boolean; packaged?: string }
  /** the rule runs and its program exists: mdevctl starts auto definitions too */
  | { state: 'working'; file: string; program?: string }
  /** the rule runs a program that is not there (Debian 12: /usr/sbin/mdevctl, installed as /usr/bin/mdevctl) */
  | { state: 'broken'; file: string; program: string; binary?: string };

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** A rules file with no rule in it: only blank lines and comments. */
export function hasNoRules(text: string): boolean {
  return text.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('#'));
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The mdevctl binary the rule runs for start-parent-mdevs (absolute path on the host), if it names one. */
export function ruleProgram(text: string): string | undefined {
  const m = /(\/[^\s'"]*\/mdevctl)\s+start-parent-mdevs\b/.exec(text);
  return m?.[1];
}

function judge(root: HostRoot, file: string, text: string): MdevctlRule {
  const program = ruleProgram(text);
  if (program === undefined || isExecutableFile(root.p(program))) return { state: 'working', file, program };
  const binary = BINARY_DIRS.map((d) => `/${d}/mdevctl`).find((b) => isExecutableFile(root.p(b)));
  return { state: 'broken', file, program, binary };
}

function packagedRule(root: HostRoot): string | undefined {
  return PACKAGED_DIRS.map((d) => root.p(d, MDEVCTL_RULE)).find((f) => fs.existsSync(f));
}

export function overridePath(rulesDir: string): string {
  return path.join(rulesDir, MDEVCTL_RULE);
}

/** What udev would do with mdevctl's rule on this host. */
export function inspectMdevctlRule(root: HostRoot, rulesDir: string): MdevctlRule {
  const override = overridePath(rulesDir);
  const packaged = packagedRule(root);
  let link: string | undefined;
  try {
    link = fs.readlinkSync(override);
  } catch { /* not a link */ }
  if (link === '/dev/null') return { state: 'masked', override, ours: false, packaged };
  const text = readText(override);
  if (text !== undefined) {
    if (hasNoRules(text)) return { state: 'masked', override, ours: text.startsWith(INSTALL_MARK), packaged };
    return judge(root, override, text); // an admin's own copy replaces the packaged rule
  }
  if (!packaged) return { state: 'absent' };
  return judge(root, packaged, readText(packaged) ?? '');
}

/** The text of virt-mdev's override: no rules, so udev skips the packaged file of the same name. */
export function overrideText(): string {
  return [
    INSTALL_MARK,
    "# Written by 'virt-mdev install --take-over-mdevctl': this empty file masks mdevctl's rule of the same",
    '# name, so that only virt-mdev starts mdevs marked auto (61-virt-mdev.rules and its units).',
    "# 'virt-mdev uninstall' removes it, and mdevctl's rule applies again.",
    '',
  ].join('\n');
}
