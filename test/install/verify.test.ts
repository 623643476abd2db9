// The installed units and rule as systemd and udev read them: `systemd-analyze verify` for the units,
// `udevadm verify` for the rule where this systemd has it (>= 254), else a check of the rule syntax.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, read, root, rulesDir, unitsDir } from './helpers.js';

async function has(cmd: string, args: string[]): Promise<boolean> {
  const r = await execa(cmd, args, { reject: false });
  return r.exitCode === 0;
}

test('the units pass systemd-analyze verify (the template, and an instance for a parent)', async (t) => {
  if (!(await has('systemd-analyze', ['--version']))) return t.pass('systemd-analyze is not installed here');
  const r = await root();
  t.teardown(r.cleanup);
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  const dir = unitsDir(r.dir);
  for (const f of ['virt-mdev-autostart.service', 'virt-mdev-autostart@.service']) {
    const v = await execa('systemd-analyze', ['verify', '--man=no', path.join(dir, f)], { reject: false });
    t.is(v.exitCode, 0, v.stderr);
    t.is(v.stderr.split('\n').filter((l) => l.includes(dir)).join('\n'), '', f);
  }
  // `verify` reads FILE:ALIAS, so a PCI instance name (0000:00:02.0) cannot be passed to it; mtty can
  const v = await execa('systemd-analyze', ['verify', '--man=no', 'virt-mdev-autostart@mtty.service'], { reject: false, env: { SYSTEMD_UNIT_PATH: `${dir}:` } });
  t.is(v.exitCode, 0, v.stderr);
  t.is(v.stderr.split('\n').filter((l) => l.includes(dir)).join('\n'), '');
});

test('systemd-escape agrees that kernel names of parents are unit instance names as they are', async (t) => {
  if (!(await has('systemd-escape', ['--version']))) return t.pass('systemd-escape is not installed here');
  // what udev hands systemd for SYSTEMD_WANTS+="virt-mdev-autostart@%k.service": %k unchanged
  for (const k of ['0000:00:02.0', '0.0.0052', 'matrix', 'mtty']) {
    const e = await execa('systemd-escape', ['--template', 'virt-mdev-autostart@.service', k]);
    t.is(e.stdout, `virt-mdev-autostart@${k}.service`);
  }
});

const MATCH_KEYS = new Set(['ACTION', 'KERNEL', 'SUBSYSTEM', 'DRIVER', 'ENV', 'TEST', 'ATTR', 'TAG', 'DEVPATH', 'KERNELS', 'SUBSYSTEMS']);
const ASSIGN_KEYS = new Set(['ENV', 'TAG', 'RUN', 'SYMLINK', 'OWNER', 'GROUP', 'MODE', 'OPTIONS', 'GOTO', 'LABEL']);

/** Each rule line is comma-separated KEY[{name}]OP"value" pairs with at least one match and one assignment. */
function ruleErrors(text: string): string[] {
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const parts = line.split(/,\s*(?=[A-Z])/);
    let matches = 0;
    let assigns = 0;
    for (const p of parts) {
      const m = /^([A-Z_]+)(\{[A-Za-z0-9_]+\})?(==|!=|\+=|-=|:=|=)"([^"]*)"$/.exec(p.trim());
      if (!m) { errors.push(`line ${i + 1}: cannot read '${p}'`); continue; }
      const [, key, , op] = m;
      if (op === '==' || op === '!=') { if (!MATCH_KEYS.has(key)) errors.push(`line ${i + 1}: ${key} cannot be matched`); matches++; } else {
        if (!ASSIGN_KEYS.has(key)) errors.push(`line ${i + 1}: ${key} cannot be assigned`);
        assigns++;
      }
      if (key === 'RUN') errors.push(`line ${i + 1}: the rule must not run programs (systemd-udevd's sandbox and timeout)`);
    }
    if (matches === 0 || assigns === 0) errors.push(`line ${i + 1}: needs matches and assignments`);
  });
  return errors;
}

test('the installed rule is valid udev syntax and asks systemd for the parent\'s unit on both events', async (t) => {
  const r = await root();
  t.teardown(r.cleanup);
  t.is((await cli(r.dir, ['install'])).exitCode, 0);
  const file = path.join(rulesDir(r.dir), '61-virt-mdev.rules');
  const text = read(file);
  if (await has('udevadm', ['verify', '--help'])) {
    const v = await execa('udevadm', ['verify', file], { reject: false });
    t.is(v.exitCode, 0, v.stderr + v.stdout);
  }
  t.deepEqual(ruleErrors(text), []);
  const rules = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.is(rules.length, 4);
  const store = path.join(r.dir, 'etc/mdevctl.d');
  // a parent with definitions, and any parent while a pool is marked autostart (pools place members anywhere)
  const poolBoot = path.join(r.dir, 'etc/virt-mdev/pools/autostart');
  t.true(rules[0].startsWith(`ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="${store}/$kernel", `));
  t.true(rules[1].startsWith(`ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="${poolBoot}", `));
  t.true(rules[2].startsWith(`ACTION=="add", TEST=="${store}/$kernel", TEST=="mdev_supported_types", `));
  t.true(rules[3].startsWith(`ACTION=="add", TEST=="${poolBoot}", TEST=="mdev_supported_types", `));
  for (const l of rules) t.true(l.endsWith(', TAG+="systemd", ENV{SYSTEMD_WANTS}+="virt-mdev-autostart@%k.service"'), l);
  // and the checker does catch what udev would reject
  t.true(ruleErrors('ACTION=="add", RUN+="/usr/bin/node x"\nACTION="add" TAG+="x"\n').length >= 2);
  t.false(fs.existsSync(path.join(rulesDir(r.dir), '60-mdevctl.rules')));
});
