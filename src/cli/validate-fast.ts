// `virt-mdev validate` in its plain forms, run by the launcher (./launcher.ts) without commander and
// without the CLI's registration of every command: what editors and pre-commit hooks call once per
// file. One CommonJS bundle (scripts/bundles.ts: libxml2-wasm's set-up made synchronous), as Node
// starts one faster than ES modules.
import type { FastValidate } from './fast-path.js';
import { runValidate } from './commands/validate-run.js';
import { resolveHostRoot } from '../host/root.js';
import { reportError } from './run.js';
// the workers of a many-file run start this bundle (../validate/parallel.ts): it must evaluate that module
import '../validate/parallel.js';

export async function runFastValidate(c: FastValidate): Promise<void> {
  // no process.stdout (creating it costs a fifth of Node's start-up): writeStdout writes to fd 1 and
  // handles a failed write itself (./stdout-errors.ts)
  const json = c.globals.json === true;
  try {
    await runValidate(c.files, {
      format: json ? 'json' : c.opts.format ?? 'text', libvirt: c.opts.libvirt, libvirtSchemas: c.opts.libvirtSchemas, quiet: c.opts.quiet === true,
      host: c.globals.root !== undefined || (process.env.VIRT_MDEV_ROOT ?? '') !== '' ? () => resolveHostRoot(c.globals.root) : undefined,
    });
  } catch (e) {
    process.exitCode = reportError(e, json);
  }
}
