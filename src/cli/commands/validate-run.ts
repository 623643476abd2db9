// What `virt-mdev validate` does once its command line is read, by commander (./validate.ts) or by the
// launcher's own reading of the plain forms (../validate-fast.ts): one body for both.
import type { HostRoot } from '../../host/root.js';
import { BASELINE_ONLY_UP_TO } from '../../schemas/wasm-flags.js';
import { ExitCode } from '../../util/errors.js';
import { writeStdout } from '../stdout-errors.js';

export interface ValidateRunOptions {
  format: 'text' | 'json' | 'junit';
  /** --libvirt (true), --no-libvirt (false), neither (undefined) */
  libvirt: boolean | undefined;
  libvirtSchemas?: string;
  quiet: boolean;
  /** the host root to add host notes from, when --root or VIRT_MDEV_ROOT names one */
  host?: () => HostRoot;
}

export async function runValidate(files: string[], o: ValidateRunOptions): Promise<void> {
  // many files: the worker threads first, so that their start-up runs on another core while libxml2
  // loads here (../../validate/parallel.ts); host notes are added on this thread alone
  const workers = o.host ? undefined : (await import('../../validate/parallel.js')).startWorkers(files);
  // libxml2-wasm's load waits on file reads and on the wasm compile: the rest loads meanwhile
  const [lx, { validateInputs }, report] = await Promise.all([
    import('../../schemas/libxml.js').then((m) => m.loadLibxml({ baselineOnly: files.length <= BASELINE_ONLY_UP_TO })),
    import('../../validate/run.js'),
    import('../../validate/report.js'),
  ]);
  const hostNotes = o.host ? (await import('../../transform/host-notes.js')).domainHostNotes(o.host()) : undefined;
  const { results, exitCode } = await validateInputs(lx, files, { libvirt: o.libvirt, libvirtSchemasDir: o.libvirtSchemas }, (r) => {
    if (r.status === 'error') process.stderr.write(`virt-mdev: ${r.ioError}\n`);
    else if (o.format === 'text') {
      const lines = report.textLines(r, o.quiet);
      if (lines.length) writeStdout(lines.join('\n') + '\n');
    }
  }, hostNotes, { freeSchemas: false, schemaCache: true, workers });
  if (o.format === 'json') writeStdout(JSON.stringify(report.jsonReport(results), null, 2) + '\n');
  else if (o.format === 'junit') writeStdout(report.junitReport(results));
  else if (!o.quiet && results.length > 1) {
    const bad = results.filter((r) => r.status !== 'valid').length;
    writeStdout(`${results.length - bad} of ${results.length} valid\n`);
  }
  if (exitCode !== ExitCode.OK) process.exitCode = exitCode;
}
