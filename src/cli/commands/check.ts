// virt-mdev check DOMAIN.xml: the pre-flight of a start. Loads no wasm: the hook's planner only.
import * as path from 'node:path';
import type { Command } from 'commander';
import { globals, hostRootOf, printJson } from '../context.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("would this domain start on this host, and on what? runs the hook's prepare planning against the host without changing anything")
    .argument('[file]', "libvirt-ready domain XML (virsh dumpxml, or transform's output), '-' or nothing for stdin")
    .addHelpText('after', `
Prints, per mdev hostdev, what the hook's prepare would do (create on which parent, draw which member
of a pool, reuse, adopt, use or start an unmanaged device) or why it fails. Exit status: 0 when the domain would start; otherwise
the exit code of the error prepare would fail with (see README), and on stderr the very line the
hook would give libvirt for the 'virsh start' error.`)
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const root = hostRootOf(cmd);
      const [{ readDomainInput }, { openMdevBus }, { preflight, unplannable }] = await Promise.all([
        import('../../transform/input.js'),
        import('../../mdevbus/bus.js'),
        import('../../hook/preflight.js'),
      ]);
      const { text, name } = await readDomainInput(file);
      const argvName = file === undefined || file === '-' ? 'stdin' : path.basename(file).replace(/\.xml$/i, '');
      let report;
      try {
        report = preflight(root, openMdevBus(root), text, name, argvName);
      } catch (e) {
        report = unplannable(root, e, argvName);
      }
      if (g.json) {
        printJson(report);
      } else {
        const who = `domain '${report.domain.name}'`;
        process.stdout.write(report.start ? `${who} would start on host root ${report.root}\n` : `${who} would NOT start on host root ${report.root}\n`);
        if (report.hostdevs.length === 0 && report.start) process.stdout.write('  no mdev hostdevs: the hook has nothing to do\n');
        const w = Math.max(0, ...report.hostdevs.map((h) => String(h.n).length)) + 1;
        for (const h of report.hostdevs) {
          process.stdout.write(`  ${`#${h.n}`.padEnd(w)} ${h.uuid} ${(h.managed ? 'managed' : 'unmanaged').padEnd(9)} ${h.summary}\n`);
        }
        if (report.error) process.stderr.write(`virt-mdev: ${report.error.message}\n`);
      }
      process.exitCode = report.exitCode;
    });
}
