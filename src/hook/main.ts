// Node entry of the qemu hook, started by hooks/qemu (a POSIX sh script that finds node, since
// libvirt gives hooks only LC_ALL=C PATH=/bin:/sbin HOME=/). Hot path: imports saxes and Node
// built-ins only, no CLI framework, no wasm.
import { readStreamBounded } from '../util/bounded-read.js';
import { runHook } from './run.js';

const MAX_STDIN_BYTES = 16 * 1024 * 1024;

async function readStdin(): Promise<string> {
  const r = await readStreamBounded(process.stdin, MAX_STDIN_BYTES);
  if (!r.ok) throw new Error(`the domain XML on stdin is larger than ${MAX_STDIN_BYTES / 1024 / 1024} MiB; refusing it`);
  return r.data.toString('utf8');
}

process.exitCode = await runHook({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: readStdin,
  stdout: (s) => { process.stdout.write(s); },
  stderr: (s) => { process.stderr.write(s); },
});
