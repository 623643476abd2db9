// virt-mdev transform: authoring XML in, libvirt-ready XML out, offline unless a host root is given.
import type { Command } from 'commander';
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, hostRootOf, printJson } from '../context.js';

interface TransformOptions {
  output?: string;
  diff?: boolean;
  check?: boolean;
}

export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description("turn any mdev hostdev form into libvirt-ready domain XML (managed devices recorded in <metadata>); every other byte is kept")
    .argument('[file]', "domain XML file, '-' or nothing for stdin")
    .option('-o, --output <file>', 'write the result to FILE instead of stdout (a file is replaced atomically, through a link; a device or FIFO is written to)')
    .option('--diff', 'print a unified diff of the changes instead of the document')
    .option('--check', 'change nothing; exit 1 when the document is not libvirt-ready yet (for CI)')
    .addHelpText('after', `
With --json, prints the plan: each mdev hostdev's form, model, UUID (and whether it was generated),
type, parent, pool and line. With --root DIR (or VIRT_MDEV_ROOT) also warns about unknown types or
parents, a device_api that does not fit the guest model, missing capacity, and pools that are not
defined or not started on that host or whose type does not fit the guest model.`)
    .action(async (file: string | undefined, opts: TransformOptions, cmd: Command) => {
      const g = globals(cmd);
      if (opts.diff && g.json) throw new VirtMdevError(ExitCode.USAGE, 'usage', 'transform: --diff and --json cannot be combined');
      if (opts.check && opts.output) throw new VirtMdevError(ExitCode.USAGE, 'usage', 'transform: --check changes nothing, so it takes no --output');
      const { readDomainInput } = await import('../../transform/input.js');
      const { transformDomainXml } = await import('../../transform/transform.js');
      const { text, name } = await readDomainInput(file);
      const result = transformDomainXml(text, name);
      const warnings = [...result.warnings];
      if (g.root !== undefined || (process.env.VIRT_MDEV_ROOT ?? '') !== '') {
        const root = hostRootOf(cmd);
        const { openMdevBus } = await import('../../mdevbus/bus.js');
        const { checkPlanAgainstHost, hostPools } = await import('../../transform/host-check.js');
        warnings.push(...checkPlanAgainstHost(result.devices, openMdevBus(root), name, hostPools(root)));
      }
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);

      if (opts.check) {
        if (result.changed) {
          for (const d of result.devices.filter((x) => x.changed)) {
            process.stderr.write(`${name}:${d.line}: hostdev #${d.index + 1} (${d.form} form) is not in libvirt's form yet\n`);
          }
          if (result.metadataChanged) process.stderr.write(`${name}: the virt-mdev <metadata> entries do not match the managed hostdevs\n`);
          process.stderr.write(`${name}: not libvirt-ready: run 'virt-mdev transform ${file && file !== '-' ? file : '-'}'\n`);
        }
      }
      if (opts.output && !opts.check) {
        const { writeOutputFile } = await import('../../util/atomic.js');
        const fs = await import('node:fs');
        // domain XML can hold secrets (graphics passwd=): a replaced file keeps its mode, a new one takes the input's
        const inputMode = (): number | undefined => {
          if (file === undefined || file === '-') return undefined;
          try { return fs.statSync(file).mode & 0o777; } catch { return undefined; }
        };
        writeOutputFile(opts.output, Buffer.from(result.output, 'utf8'), inputMode() ?? 0o600);
      }
      if (g.json) {
        printJson({
          file: name, changed: result.changed, metadataChanged: result.metadataChanged,
          domain: result.domain, devices: result.devices, warnings,
        });
      } else if (opts.diff) {
        const { unifiedDiff } = await import('../../transform/diff.js');
        process.stdout.write(unifiedDiff(text, result.output, `a/${name}`, `b/${name}`));
      } else if (!opts.check && !opts.output) {
        process.stdout.write(result.output);
      }
      if (opts.check && result.changed) process.exitCode = ExitCode.FAILURE;
    });
}
