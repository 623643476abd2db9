// virt-mdev autostart: boot-time and per-parent start of definitions marked auto, then autostart pools.
import type { Command } from 'commander';
import { globals, hostRootOf, printJson, seconds } from '../context.js';
import type { AutostartReport, AutostartResult } from '../../autostart/types.js';
import { ExitCode, VirtMdevError, isVirtMdevError } from '../../util/errors.js';

/** "2 of 3 device(s) not started, 1 of 2 pool(s) incomplete, 1 store file(s) unreadable" */
function shortfallSummary(report: AutostartReport): string {
  const notDone = (r: AutostartResult): boolean => r.state === 'failed' || r.state === 'incomplete';
  const devs = report.results.filter((r) => r.kind === 'definition');
  const pools = report.results.filter((r) => r.kind === 'pool');
  const parts = [
    devs.length || !pools.length ? `${devs.filter(notDone).length} of ${devs.length} device(s) not started` : '',
    pools.length ? `${pools.filter(notDone).length} of ${pools.length} pool(s) incomplete` : '',
    report.problems.length ? `${report.problems.length} store file(s) unreadable` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** a wait past an hour is a hung boot, not patience */
const MAX_WAIT_MS = 3_600_000;

export function registerAutostart(program: Command): void {
  program
    .command('autostart')
    .description('start every definition marked auto, then fill every autostart pool; wait up to --wait seconds for parents and types that are late')
    .option('--parent <dev>', 'only this parent: its kernel name (0000:00:02.0, mtty), node-device name (pci_0000_00_02_0) or systemd instance name')
    .option('--wait <seconds>', 'how long to wait for a parent that has not registered or a type not offered yet', '0')
    .action(async (opts: { parent?: string; wait: string }, cmd: Command) => {
      const { openMdevBus } = await import('../../mdevbus/bus.js');
      const { readStore } = await import('../../definitions/store.js');
      const { listAutostartPools } = await import('../../pools/index.js');
      const { findParentByName } = await import('../../nodedev/names.js');
      const { loadHookConfig, DEFAULT_CONFIG } = await import('../../hook/config.js');
      const { runAutostart, autostartExitCode } = await import('../../autostart/run.js');
      const { resolveParentArg } = await import('../../autostart/parent-arg.js');
      const { resultLine, problemLine } = await import('../../autostart/report.js');
      const root = hostRootOf(cmd);
      const json = globals(cmd).json;
      const waitMs = seconds(opts.wait, '--wait');
      if (waitMs > MAX_WAIT_MS) throw new VirtMdevError(ExitCode.USAGE, 'bad-seconds', `--wait ${opts.wait} is too long: give at most ${MAX_WAIT_MS / 1000} seconds`);
      const note = (line: string): void => { process.stderr.write(`virt-mdev: ${line}\n`); };
      let lockTimeoutMs = DEFAULT_CONFIG.lockTimeoutMs;
      try {
        lockTimeoutMs = loadHookConfig(root).lockTimeoutMs;
      } catch (e) {
        // a broken hook.conf must not keep devices from starting at boot
        note(`${isVirtMdevError(e) ? e.message : String(e)}; using lock_timeout ${lockTimeoutMs / 1000} s`);
      }
      const bus = openMdevBus(root);
      let parents: string[] | undefined;
      if (opts.parent !== undefined) {
        const store = readStore(root);
        const busParents = bus.listParents();
        // parents named by autostart pools are known too: by their kernel name once registered
        const poolParents = listAutostartPools(root).pools.flatMap((p) => p.parents)
          .map((g) => findParentByName(busParents, g)?.name ?? g);
        const storeParents = [...new Set([...store.definitions.map((d) => d.parent), ...poolParents])];
        parents = [resolveParentArg(opts.parent, storeParents, busParents)];
      }
      const report = await runAutostart({
        root, bus, parents, waitMs, lockTimeoutMs,
        onResult: json ? undefined : (r) => { process.stdout.write(resultLine(r) + '\n'); },
        onNote: note,
      });
      const code = autostartExitCode(report);
      if (json) printJson({ ...report, exitCode: code });
      else {
        for (const p of report.problems) process.stdout.write(problemLine(p) + '\n');
        if (report.results.length === 0 && report.problems.length === 0) {
          process.stdout.write(`nothing to start: no definition is marked auto and no pool is autostarted${parents ? ` for parent ${parents[0]}` : ''}\n`);
        }
      }
      if (code !== ExitCode.OK) {
        note(`${shortfallSummary(report)} (exit ${code})`);
        process.exitCode = code;
      }
    });
}
