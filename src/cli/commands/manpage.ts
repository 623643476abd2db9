// manpage (hidden): virt-mdev(8) in roff, made from this very program's --help text. The Debian
// package's build runs it; admins read the result with `man virt-mdev`.
import type { Command } from 'commander';
import { ExitCode, VirtMdevError } from '../../util/errors.js';

export function registerManpage(program: Command): void {
  program
    .command('manpage', { hidden: true })
    .description('print the virt-mdev(8) man page (roff), made from the --help text of every command')
    .option('--date <yyyy-mm-dd>', 'the date in the page footer (default: $SOURCE_DATE_EPOCH, else today)')
    .action(async (o: { date?: string }, cmd: Command) => {
      const { manPage } = await import('../../manpage/roff.js');
      const epoch = process.env.SOURCE_DATE_EPOCH;
      const date = o.date ?? new Date(epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now()).toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new VirtMdevError(ExitCode.USAGE, 'bad-date', `--date '${date}' is not YYYY-MM-DD`);
      let top = cmd;
      while (top.parent) top = top.parent;
      process.stdout.write(manPage(top, date));
    });
}
