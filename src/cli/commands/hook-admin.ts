// Commands around the qemu hook: install-hook, uninstall-hook, doctor, gc, ledger.
import type { Command } from 'commander';
import { globals, hostRootOf, installRootOf, printJson, rootNote, seconds } from '../context.js';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import type { HostRoot } from '../../host/root.js';

function hooksDirOf(root: HostRoot, given?: string): string {
  return given ?? root.p('etc/libvirt/hooks');
}

export function registerHookAdmin(program: Command): void {
  program
    .command('install-hook')
    .description("install the qemu hook as <hooks-dir>/qemu.d/50-virt-mdev (libvirt >= 6.5); restart libvirtd afterwards")
    .option('--hooks-dir <dir>', "libvirt's hooks directory (default: <root>/etc/libvirt/hooks)")
    .option('--node <path>', 'node binary the hook runs (default: the one running this command)')
    .action(async (opts: { hooksDir?: string; node?: string }, cmd: Command) => {
      const { installHook, installationHook } = await import('../../install/install.js');
      const root = installRootOf(cmd, 'install-hook');
      const hooksDir = hooksDirOf(root, opts.hooksDir);
      const r = installHook(hooksDir, { nodePath: opts.node ?? process.execPath, hookPath: installationHook(), rootDir: root.dir });
      if (globals(cmd).json) return printJson({ file: r.file, replaced: r.replaced, unchanged: r.unchanged });
      process.stdout.write(r.unchanged ? `${r.file} is already installed and up to date\n`
        : `${r.replaced ? 'updated' : 'installed'} ${r.file}\n`);
      process.stdout.write(rootNote(root));
      if (!r.unchanged) {
        process.stdout.write('libvirt only notices a new hook when it starts: restart the daemon (systemctl restart libvirtd, or virtqemud on modular hosts)\n'
          + 'or reload it with SIGHUP (systemctl reload libvirtd). Check the host with: virt-mdev doctor\n');
      }
    });

  program
    .command('uninstall-hook')
    .description('remove the qemu hook installed by install-hook (never a file virt-mdev did not write)')
    .option('--hooks-dir <dir>', "libvirt's hooks directory (default: <root>/etc/libvirt/hooks)")
    .action(async (opts: { hooksDir?: string }, cmd: Command) => {
      const { uninstallHook } = await import('../../install/install.js');
      const r = uninstallHook(hooksDirOf(hostRootOf(cmd), opts.hooksDir));
      if (globals(cmd).json) return printJson(r);
      process.stdout.write(r.removed ? `removed ${r.file}; restart libvirtd (or virtqemud) so it stops calling it\n` : `${r.file} is not installed; nothing to do\n`);
    });

  program
    .command('doctor')
    .description('check what this host needs for mdevs and the hook; exit 1 if anything FAILs')
    .option('--hooks-dir <dir>', "libvirt's hooks directory (default: <root>/etc/libvirt/hooks)")
    .option('--units-dir <dir>', 'systemd unit directory (default: <root>/etc/systemd/system)')
    .option('--rules-dir <dir>', 'udev rules directory (default: <root>/etc/udev/rules.d)')
    .action(async (opts: { hooksDir?: string; unitsDir?: string; rulesDir?: string }, cmd: Command) => {
      const { runDoctor } = await import('../../doctor/doctor.js');
      const { openMdevBus } = await import('../../mdevbus/bus.js');
      const { loadHookConfig } = await import('../../hook/config.js');
      const root = hostRootOf(cmd);
      const autostartDirs = { unitsDir: opts.unitsDir ?? root.p('etc/systemd/system'), rulesDir: opts.rulesDir ?? root.p('etc/udev/rules.d') };
      const checks = runDoctor({ root, bus: openMdevBus(root), hooksDir: hooksDirOf(root, opts.hooksDir), loadConfig: () => loadHookConfig(root), autostartDirs });
      if (globals(cmd).json) printJson(checks);
      else for (const c of checks) process.stdout.write(`${c.level.padEnd(4)}  ${c.name.padEnd(14)} ${c.message}\n`);
      if (checks.some((c) => c.level === 'FAIL')) process.exitCode = ExitCode.FAILURE;
    });

  program
    .command('gc')
    .description('remove devices virt-mdev created whose domain no longer runs, finish abandoned removals, drop entries of devices that are gone; return pool members lent to domains that no longer run and make missing members of started pools again')
    .option('--min-age <seconds>', "leave an 'active' device of a domain that does not run yet alone for this long (default: start_grace of hook.conf, 300)")
    .option('--remove-timeout <seconds>', 'bound for each remove (default: remove_timeout of hook.conf, 30)')
    .option('-n, --dry-run', 'only show what would be done')
    .action(async (opts: { minAge?: string; removeTimeout?: string; dryRun?: boolean }, cmd: Command) => {
      const { gc, missingMembersCode } = await import('../../gc/gc.js');
      const { openMdevBus } = await import('../../mdevbus/bus.js');
      const { loadHookConfigOrDefaults } = await import('../../hook/config.js');
      const { openHookLog } = await import('../../hook/log.js');
      // options first: a usage error changes nothing, not even the log
      const minAgeMs = opts.minAge !== undefined ? seconds(opts.minAge, '--min-age') : undefined;
      const removeTimeoutMs = opts.removeTimeout !== undefined ? seconds(opts.removeTimeout, '--remove-timeout') : undefined;
      if (removeTimeoutMs === 0) {
        throw new VirtMdevError(ExitCode.USAGE, 'bad-seconds', "--remove-timeout '0' would abandon every remove at once: give a number of seconds above 0");
      }
      const root = hostRootOf(cmd);
      const log = openHookLog(root, { op: 'gc' });
      // gc is how leaked devices get freed: a broken hook.conf must not stop it
      const { cfg, problem } = loadHookConfigOrDefaults(root);
      if (problem !== undefined) {
        log.log('config-defaults', { message: problem });
        process.stderr.write(`virt-mdev: ${problem}; gc uses the defaults (remove_timeout ${cfg.removeTimeoutMs / 1000} s, lock_timeout ${cfg.lockTimeoutMs / 1000} s, start_grace ${cfg.startGraceMs / 1000} s)\n`);
      }
      const report = await gc(root, openMdevBus(root), {
        minAgeMs: minAgeMs ?? cfg.startGraceMs,
        removeTimeoutMs: removeTimeoutMs ?? cfg.removeTimeoutMs,
        lockTimeoutMs: cfg.lockTimeoutMs,
        dryRun: opts.dryRun,
        log: (a, f) => log.log(a, f),
      });
      if (globals(cmd).json) printJson(report);
      else if (report.actions.length === 0) process.stdout.write('the ledger is empty: nothing to do\n');
      else {
        for (const a of report.actions) {
          const verb = opts.dryRun && a.action === 'remove' ? 'would remove' : a.action;
          const where = a.action === 'missing' ? a.type : `${a.type} on ${a.parent}`;
          process.stdout.write(`${verb.padEnd(12)} ${a.uuid} ${where}${a.domain ? ` (${a.domain})` : ''}: ${a.why}\n`);
        }
      }
      const abandoned = report.actions.filter((a) => a.action === 'abandoned');
      if (abandoned.length) {
        throw new VirtMdevError(ExitCode.TIMEOUT, 'remove-timeout',
          `${abandoned.length} remove(s) did not finish in time (device still open?): ${abandoned.map((a) => a.uuid).join(', ')}; close whatever holds them and run 'virt-mdev gc' again`);
      }
      const code = missingMembersCode(report);
      if (code !== undefined) {
        const missing = report.actions.filter((a) => a.action === 'missing');
        throw new VirtMdevError(code, 'pool-members-missing',
          `${missing.length} pool member(s) could not be made again (${missing[0].why}); 'virt-mdev gc' makes them once capacity returns`);
      }
    });

  program
    .command('ledger')
    .description('show the devices virt-mdev owns (created or adopted for a domain, or owned by a pool)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { readLedger } = await import('../../ledger/store.js');
      const l = readLedger(hostRootOf(cmd));
      if (globals(cmd).json) return printJson(l);
      if (l.devices.length === 0) {
        process.stdout.write('virt-mdev owns no devices\n');
        return;
      }
      const rows = [['UUID', 'STATE', 'ORIGIN', 'PARENT', 'TYPE', 'DOMAIN', 'POOL', 'SINCE'],
        ...l.devices.map((e) => [e.uuid, e.state, e.origin, e.parent, e.type, e.domain?.name ?? '-', e.pool ?? '-', e.updatedAt ?? '-'])];
      const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) process.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ') + '\n');
      for (const e of l.devices) if (e.note) process.stdout.write(`  ${e.uuid}: ${e.note}\n`);
    });
}
