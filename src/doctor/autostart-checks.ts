// doctor's view of boot autostart: which autostarter owns it (virt-mdev's units and rule, mdevctl's
// 60-mdevctl.rules, both, or none), and mdevctl callout scripts, which virt-mdev does not run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStore } from '../definitions/store.js';
import type { HostRoot } from '../host/root.js';
import { AUTOSTART_FILES, BOOT_UNIT, isOurs, unitProgram } from '../install/autostart-files.js';
import { inspectMdevctlRule, type MdevctlRule } from '../install/mdevctl-rule.js';
import type { Check } from './doctor.js';

export interface AutostartDirs {
  unitsDir: string;
  rulesDir: string;
}

type Ours = { state: 'installed'; enabled: boolean } | { state: 'absent' } | { state: 'partial'; missing: string[] } | { state: 'stale'; why: string };

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function present(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** where a distribution package puts units and rules (the Debian package: /lib; merged /usr: /usr/lib) */
function packagedDirs(root: HostRoot): AutostartDirs[] {
  return ['lib', 'usr/lib'].map((l) => ({ unitsDir: root.p(l, 'systemd/system'), rulesDir: root.p(l, 'udev/rules.d') }));
}

function installedIn(d: AutostartDirs, wantsDir: string): Ours {
  const files = AUTOSTART_FILES.map((f) => path.join(f.where === 'units' ? d.unitsDir : d.rulesDir, f.name));
  const texts = files.map(readOrUndefined);
  const missing = files.filter((_, i) => texts[i] === undefined || !isOurs(texts[i]!));
  if (missing.length === files.length) return { state: 'absent' };
  if (missing.length > 0) return { state: 'partial', missing };
  for (const t of texts) {
    const prog = unitProgram(t!);
    if (!prog) continue;
    for (const p of [prog.nodePath, prog.cliPath]) if (!fs.existsSync(p)) return { state: 'stale', why: `they run ${p}, which is gone` };
  }
  // 'systemctl enable' links into /etc/systemd/system whichever directory the unit is in; the link is
  // absolute (deb-systemd-helper's too), so under another root only its presence is checked
  return { state: 'installed', enabled: present(path.join(wantsDir, 'multi-user.target.wants', BOOT_UNIT)) };
}

/** 'virt-mdev install's files in /etc (they override a package's), else a package's */
function ourInstall(root: HostRoot, d: AutostartDirs): Ours {
  const etc = installedIn(d, d.unitsDir);
  if (etc.state !== 'absent') return etc;
  for (const p of packagedDirs(root)) {
    const r = installedIn(p, d.unitsDir);
    if (r.state !== 'absent') return r;
  }
  return etc;
}

function mdevctlPart(m: MdevctlRule): string {
  switch (m.state) {
    case 'absent': return "mdevctl's rule is not installed";
    case 'masked': return `mdevctl's rule is masked by ${m.override}`;
    case 'working': return `mdevctl's rule ${m.file} is active`;
    case 'broken': return `mdevctl's rule ${m.file} is installed but broken: it runs ${m.program}, which does not exist${m.binary ? ` (mdevctl is ${m.binary})` : ''}`;
  }
}

function autoCount(root: HostRoot): number {
  try {
    return readStore(root).definitions.filter((x) => x.start === 'auto').length;
  } catch {
    return 0;
  }
}

export function autostartOwnerCheck(root: HostRoot, d: AutostartDirs): Check {
  const name = 'autostart';
  const ours = ourInstall(root, d);
  const m = inspectMdevctlRule(root, d.rulesDir);
  const theirs = mdevctlPart(m);
  const mdevctlRuns = m.state === 'working';
  if (ours.state === 'partial') return { name, level: 'FAIL', message: `virt-mdev's autostart is incomplete (${ours.missing.join(', ')} missing or not ours): run 'virt-mdev install'; ${theirs}` };
  if (ours.state === 'stale') return { name, level: 'FAIL', message: `virt-mdev's autostart units cannot run: ${ours.why}; run 'virt-mdev install' again` };
  if (ours.state === 'installed') {
    if (mdevctlRuns) {
      return { name, level: 'warn', message: `two autostarters: virt-mdev's units and rule, and ${theirs}; they race for the same devices: run 'virt-mdev install --take-over-mdevctl' (or 'virt-mdev uninstall' to leave it to mdevctl)` };
    }
    if (!ours.enabled) return { name, level: 'warn', message: `virt-mdev owns autostart (${theirs}), but ${BOOT_UNIT} is not enabled: run 'systemctl enable ${BOOT_UNIT}'` };
    return { name, level: 'ok', message: `virt-mdev owns autostart: ${BOOT_UNIT} at boot, 61-virt-mdev.rules when a parent registers; ${theirs}` };
  }
  if (mdevctlRuns) return { name, level: 'ok', message: `mdevctl owns autostart (${theirs}); it does not report devices it fails to start: 'virt-mdev install --take-over-mdevctl' takes it over` };
  const n = autoCount(root);
  if (n === 0) return { name, level: 'ok', message: `no autostarter is installed and no definition is marked auto; ${theirs}` };
  return { name, level: 'warn', message: `nothing starts the ${n} definition(s) marked auto at boot (${theirs}): run 'virt-mdev install'` };
}

/** mdevctl 1.2 keeps them in /etc/mdevctl.d/scripts.d, 1.3 also in /usr/lib/mdevctl/scripts.d */
const SCRIPT_DIRS = ['etc/mdevctl.d/scripts.d/callouts', 'etc/mdevctl.d/scripts.d/notifiers', 'usr/lib/mdevctl/scripts.d/callouts', 'usr/lib/mdevctl/scripts.d/notifiers'];

export function calloutsCheck(root: HostRoot): Check {
  const found: string[] = [];
  for (const dir of SCRIPT_DIRS) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(root.p(dir)).sort();
    } catch { /* absent */ }
    for (const n of names) found.push(`/${dir}/${n}`);
  }
  if (found.length === 0) return { name: 'callouts', level: 'ok', message: 'no mdevctl callout or notifier scripts' };
  return { name: 'callouts', level: 'warn', message: `mdevctl scripts virt-mdev does not run when it starts or stops devices: ${found.join(', ')}; do what they do another way, or start those devices with mdevctl` };
}
