// `virt-mdev validate FILE…`: RelaxNG validation for CI. libxml2-wasm is loaded inside the action
// only, so other commands (and the hook) never pay for the wasm module.
import { Command, Option } from 'commander';
import { ExitCode } from '../../util/errors.js';
import { globals, hostRootOf } from '../context.js';

/**
 * Up to this many files, libxml2's wasm stays on V8's baseline compiler: optimising it pays off only
 * over many documents (measured: see loadLibxml's baselineOnly).
 */
const BASELINE_ONLY_UP_TO = 50;

interface ValidateCliOptions {
  format?: 'text' | 'json' | 'junit';
  libvirt?: boolean;
  libvirtSchemas?: string;
  quiet?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate domain or node device XML: mdev hostdevs and virt-mdev metadata against virt-mdev\'s schemas, ' +
      'the whole document against libvirt\'s when installed; pool definitions (<mdevpool>) against virt-mdev\'s pool.rng')
    .argument('<file...>', "XML files ('-' for standard input)")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option('--libvirt', "require libvirt-ready XML: authoring forms are errors, libvirt's schemas must be installed")
    .option('--no-libvirt', "check against virt-mdev's schemas only")
    .option('--libvirt-schemas <dir>', "directory with libvirt's domain.rng and nodedev.rng (default /usr/share/libvirt/schemas)")
    .option('-q, --quiet', 'text format: print only problems')
    .addHelpText('after', `
Authoring forms (<source><mdev …>) are not libvirt XML yet: by default libvirt's schema check is
skipped for them with a note "not yet libvirt-ready: run virt-mdev transform"; with --libvirt they
are errors. With --root DIR (or VIRT_MDEV_ROOT), domain documents are also checked against that host
(types, parents, device_api, capacity, pools) and what would stop a start is added as notes.
Compiled schemas are kept for the next run in $XDG_CACHE_HOME/virt-mdev (root: /var/cache/virt-mdev,
others: ~/.cache/virt-mdev), used only while every schema file is unchanged; VIRT_MDEV_SCHEMA_CACHE=off
turns that off. Many files (64 or more) are validated on every core, reported in the order given.
Exit status: 0 all valid, 1 any invalid, 2 usage error or unreadable input.`)
    .action(async (files: string[], opts: ValidateCliOptions, cmd: Command) => {
      const g = globals(cmd);
      const format = g.json ? 'json' : opts.format ?? 'text';
      // commander sets libvirt=true by default once --no-libvirt is declared; only an explicit flag counts
      const src = cmd.getOptionValueSource('libvirt');
      const libvirt = src === 'cli' ? opts.libvirt : undefined;
      // libxml2-wasm's load waits on file reads and on the wasm compile: the rest loads meanwhile
      const [lx, { validateInputs }, report] = await Promise.all([
        import('../../schemas/libxml.js').then((m) => m.loadLibxml({ baselineOnly: files.length <= BASELINE_ONLY_UP_TO })),
        import('../../validate/run.js'),
        import('../../validate/report.js'),
      ]);
      const quiet = opts.quiet ?? false;
      const hostNotes = g.root !== undefined || (process.env.VIRT_MDEV_ROOT ?? '') !== ''
        ? (await import('../../transform/host-notes.js')).domainHostNotes(hostRootOf(cmd)) : undefined;
      const { results, exitCode } = await validateInputs(lx, files, { libvirt, libvirtSchemasDir: opts.libvirtSchemas }, (r) => {
        if (r.status === 'error') process.stderr.write(`virt-mdev: ${r.ioError}\n`);
        else if (format === 'text') {
          const lines = report.textLines(r, quiet);
          if (lines.length) process.stdout.write(lines.join('\n') + '\n');
        }
      }, hostNotes, { freeSchemas: false, schemaCache: true, parallel: true });
      if (format === 'json') process.stdout.write(JSON.stringify(report.jsonReport(results), null, 2) + '\n');
      else if (format === 'junit') process.stdout.write(report.junitReport(results));
      else if (!quiet && results.length > 1) {
        const bad = results.filter((r) => r.status !== 'valid').length;
        process.stdout.write(`${results.length - bad} of ${results.length} valid\n`);
      }
      if (exitCode !== ExitCode.OK) process.exitCode = exitCode;
    });
}
