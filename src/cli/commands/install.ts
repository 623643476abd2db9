// install / uninstall: the qemu hook plus boot autostart (units and udev rule) in one step.
import type { Command } from 'commander';
import { globals, hostRootOf, printJson } from '../context.js';
import type { HostRoot } from '../../host/root.js';
import type { InstallDirs, InstallReport } from '../../install/install-all.js';
import type { MdevctlRule } from '../../install/mdevctl-rule.js';

interface DirOptions { hooksDir?: string; unitsDir?: string; rulesDir?: string }

function dirsOf(defaults: InstallDirs, o: DirOptions): InstallDirs {
  return { hooksDir: o.hooksDir ?? defaults.hooksDir, unitsDir: o.unitsDir ?? defaults.unitsDir, rulesDir: o.rulesDir ?? defaults.rulesDir };
}

function withDirOptions(c: Command): Command {
  return c
    .option('--hooks-dir <dir>', "libvirt's hooks directory (default: <root>/etc/libvirt/hooks)")
    .option('--units-dir <dir>', 'systemd unit directory (default: <root>/etc/systemd/system)')
    .option('--rules-dir <dir>', 'udev rules directory (default: <root>/etc/udev/rules.d)');
}

export function mdevctlLine(m: MdevctlRule): string {
  switch (m.state) {
    case 'absent': return "mdevctl's udev rule is not installed: virt-mdev owns autostart";
    case 'masked': return `mdevctl's udev rule is masked by ${m.override}${m.ours ? ' (ours)' : ''}: virt-mdev owns autostart`;
    case 'broken': return `mdevctl's udev rule ${m.file} runs ${m.program}, which does not exist${m.binary ? ` (mdevctl is ${m.binary})` : ''}: it starts nothing, virt-mdev owns autostart`;
    case 'working': return `mdevctl's udev rule ${m.file} starts auto definitions too`;
  }
}

function print(cmd: Command, r: InstallReport): void {
  if (globals(cmd).json) return printJson(r);
  for (const c of r.changes) process.stdout.write(`${c.action.padEnd(9)} ${c.file}${c.note ? ` (${c.note})` : ''}\n`);
  process.stdout.write(`${mdevctlLine(r.mdevctl)}\nnext, as root:\n${r.next.map((n) => `  ${n}\n`).join('')}`);
}

export function registerInstall(program: Command): void {
  withDirOptions(program
    .command('install')
    .description('install the qemu hook, the boot units (virt-mdev-autostart.service, virt-mdev-autostart@.service), the udev rule 61-virt-mdev.rules and the metrics timer (virt-mdev-metrics.service, .timer)'))
    .option('--node <path>', 'node binary the hook and the units run (default: the one running this command)')
    .option('--take-over-mdevctl', "mask mdevctl's 60-mdevctl.rules (udev's override in the rules directory) so that only virt-mdev autostarts")
    .action(async (opts: DirOptions & { node?: string; takeOverMdevctl?: boolean }, cmd: Command) => {
      const { installAll, defaultDirs } = await import('../../install/install-all.js');
      const root: HostRoot = hostRootOf(cmd);
      print(cmd, installAll({ root, ...dirsOf(defaultDirs(root), opts), nodePath: opts.node ?? process.execPath, takeOverMdevctl: opts.takeOverMdevctl ?? false }));
    });

  withDirOptions(program
    .command('uninstall')
    .description("remove what 'install' wrote (hook, units, rule, metrics timer, override of mdevctl's rule); never a file virt-mdev did not write"))
    .action(async (opts: DirOptions, cmd: Command) => {
      const { uninstallAll, defaultDirs } = await import('../../install/install-all.js');
      const root = hostRootOf(cmd);
      print(cmd, uninstallAll(root, dirsOf(defaultDirs(root), opts)));
    });
}
