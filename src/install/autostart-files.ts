// The boot units and the udev rule, from the templates in hooks/ with this installation's absolute
// paths filled in (systemd and udev run them with no PATH of ours).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { packageFile, shippedEntry } from '../util/package-layout.js';
import { printable } from '../util/validate.js';
import { INSTALL_MARK } from './mdevctl-rule.js';

export const BOOT_UNIT = 'virt-mdev-autostart.service';
export const PARENT_UNIT = 'virt-mdev-autostart@.service';
export const RULE = '61-virt-mdev.rules';

export interface AutostartFile {
  /** template name in hooks/, also the installed file's name */
  name: string;
  where: 'units' | 'rules';
}

export const AUTOSTART_FILES: readonly AutostartFile[] = [
  { name: BOOT_UNIT, where: 'units' },
  { name: PARENT_UNIT, where: 'units' },
  { name: RULE, where: 'rules' },
];

export const METRICS_SERVICE = 'virt-mdev-metrics.service';
export const METRICS_TIMER = 'virt-mdev-metrics.timer';

/** `virt-mdev metrics --textfile` every minute; installed and removed with the autostart files */
export const METRICS_FILES: readonly AutostartFile[] = [
  { name: METRICS_SERVICE, where: 'units' },
  { name: METRICS_TIMER, where: 'units' },
];

/** this installation's hooks/<name> */
export function templatePath(name: string): string {
  return packageFile(path.join('hooks', name));
}

/** this installation's command line: the CLI's bundle, whichever layout runs the install */
export function installationCli(): string {
  return shippedEntry('cli');
}

export interface FillValues {
  nodePath: string;
  cliPath: string;
  root: HostRoot;
}

/** one word of a unit's ExecStart=: specifiers and variables doubled, quoted when it has spaces */
function unitWord(s: string): string {
  const t = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(t) ? t : `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A path that a unit file and a udev rule can both carry without escaping trouble. */
function checkPlainPath(p: string, what: string): string {
  if (!path.isAbsolute(p) || !/^[A-Za-z0-9_.\/:+@ -]+$/.test(p)) {
    throw new VirtMdevError(ExitCode.USAGE, 'bad-install-path',
      `the ${what} path '${printable(p)}' must be absolute and plain (letters, digits, '_', '.', '/', ':', '+', '@', '-', spaces) to be written into a systemd unit and a udev rule`);
  }
  return p;
}

export function fillTemplate(text: string, v: FillValues): string {
  const store = checkPlainPath(v.root.p('etc/mdevctl.d'), 'mdevctl store');
  const env = v.root.dir === '/' ? [] : [`Environment=${unitWord(`VIRT_MDEV_ROOT=${checkPlainPath(v.root.dir, 'host root')}`)}`];
  const out = text
    .replace(/@NODE@/g, unitWord(checkPlainPath(v.nodePath, 'node')))
    .replace(/@CLI@/g, unitWord(checkPlainPath(v.cliPath, 'virt-mdev command line')))
    .replace(/@STORE@/g, store)
    .replace(/@POOLBOOT@/g, checkPlainPath(v.root.p('etc/virt-mdev/pools/autostart'), 'pool autostart directory'))
    .replace(/@TEXTFILE@/g, unitWord(checkPlainPath(v.root.textfileDir, "node_exporter's textfile directory")))
    .split('\n').flatMap((l) => (l === '@ENVIRONMENT@' ? env : [l])).join('\n');
  const left = /@[A-Z]+@/.exec(out);
  if (left) throw new Error(`template placeholder ${left[0]} is not known`);
  return out;
}

export function readTemplate(name: string): string {
  const file = templatePath(name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new VirtMdevError(ExitCode.HOST, 'no-template', `${file} is missing: this installation of virt-mdev is incomplete`);
  }
  if (!text.startsWith(INSTALL_MARK)) throw new VirtMdevError(ExitCode.HOST, 'bad-template', `${file} does not start with '${INSTALL_MARK}': not a virt-mdev template`);
  return text;
}

/** is this installed file one of ours (by its first line)? */
export function isOurs(text: string): boolean {
  return text.startsWith(INSTALL_MARK);
}

/** node and the command line an installed unit runs (ExecStart=NODE CLI autostart …), undefined if none */
export function unitProgram(text: string): { nodePath: string; cliPath: string } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) return undefined;
  const words = [...line.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)]
    .map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]).replace(/%%/g, '%').replace(/\$\$/g, '$'));
  return words.length >= 2 ? { nodePath: words[0], cliPath: words[1] } : undefined;
}
