// `virt-mdev validate FILE…`: RelaxNG validation for CI. libxml2-wasm is loaded inside the action
// only, so other commands (and the hook) never pay for the wasm module.
import { Command, Option } from 'commander';
import { globals, hostRootOf } from '../context.js';

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
(or VIRT_MDEV_CACHE=off, every cache) turns that off. Many files (64 or more) are validated on every core, reported in the order given.
Exit status: 0 all valid, 1 any invalid, 2 usage error or unreadable input.`)
    .action(async (files: string[], opts: ValidateCliOptions, cmd: Command) => {
      const g = globals(cmd);
      // commander sets libvirt=true by default once --no-libvirt is declared; only an explicit flag counts
      const libvirt = cmd.getOptionValueSource('libvirt') === 'cli' ? opts.libvirt : undefined;
      const { runValidate } = await import('./validate-run.js');
      await runValidate(files, {
        format: g.json ? 'json' : opts.format ?? 'text', libvirt, libvirtSchemas: opts.libvirtSchemas, quiet: opts.quiet ?? false,
        host: g.root !== undefined || (process.env.VIRT_MDEV_ROOT ?? '') !== '' ? () => hostRootOf(cmd) : undefined,
      });
    });
}
