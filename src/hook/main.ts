// Node entry of the qemu hook, started by hooks/qemu (a POSIX sh script that finds node, since
// libvirt gives hooks only LC_ALL=C PATH=/bin:/sbin HOME=/). Hot path: imports saxes and Node
// built-ins only, no CLI framework, no wasm.
import * as fs from 'node:fs';
import { readStdinBounded } from '../util/bounded-read.js';
import { describeSystemError, errnoCode, ExitCode, VirtMdevError } from '../util/errors.js';
import { writeFdUntilFull } from '../util/fd-write.js';
import { setV8Flags } from '../util/node-bindings.js';
import { decodeXmlDocument } from '../util/xml-encoding.js';
import { runHook } from './run.js';

const MAX_STDIN_BYTES = 16 * 1024 * 1024;
/**
 * Up to this much XML, the hook runs without V8's optimising compiler: a hook call is too short to
 * profit from it, and its compiles (of Node's path and fs helpers) were 3–4 MiB of the hook's peak
 * memory. Set after start-up, so that Node's built-ins keep their code cache; bigger documents get
 * the optimiser back for their parse.
 */
const UNOPTIMISED_UP_TO = 1024 * 1024;

async function readStdin(): Promise<string> {
  // hooks/qemu leaves stdin to node for a domain seen with mdevs (src/hook/seen.ts): its refusals, in its words
  const op = process.argv[3];
  let r: Awaited<ReturnType<typeof readStdinBounded>>;
  try {
    r = await readStdinBounded(MAX_STDIN_BYTES);
  } catch (e) {
    throw new VirtMdevError(ExitCode.FAILURE, 'stdin-unreadable', `cannot read the domain XML from stdin (${describeSystemError(e)}); refusing to ${op} without it`, { cause: e });
  }
  if (r.ok && r.data.length === 0) throw new VirtMdevError(ExitCode.FAILURE, 'stdin-empty', `the domain XML on stdin is empty; refusing to ${op} without it`);
  if (!r.ok) throw new Error(`the domain XML on stdin is larger than ${MAX_STDIN_BYTES / 1024 / 1024} MiB; refusing it`);
  if (r.data.length > UNOPTIMISED_UP_TO) setV8Flags('--opt');
  // one rule for encodings (src/util/xml-encoding.ts) where a refusal is safe; reconnect must go on
  // with a running VM whatever its XML holds
  return op === 'reconnect' ? r.data.toString('utf8') : decodeXmlDocument(r.data, '<domain XML from libvirt>');
}

/**
 * release reads no XML. When hooks/qemu hands it libvirt's stdin all the same (a domain seen with
 * mdevs), stdin is read to its end once the devices are let go, so that libvirt's write of the XML
 * completes whatever it holds; a read error just ends it.
 */
async function drainStdin(): Promise<void> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  try {
    while (fs.readSync(0, buf) > 0);
    return;
  } catch (e) {
    if (errnoCode(e) !== 'EAGAIN') return;
  }
  // a non-blocking stdin: the stream reads it as it comes
  try {
    for await (const chunk of process.stdin) void chunk;
  } catch {
    // gone: nothing left to read
  }
}

/**
 * The rewritten XML for libvirt; a reader gone (EPIPE) is an error of this call, reported in one line.
 * process.stdout is made only here (migrate, restore): creating it costs a few ms of every other call.
 */
function writeStdout(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // the write's callback reports the error: without a listener Node would also throw it, with a stack trace
    process.stdout.on('error', () => undefined);
    process.stdout.write(s, (err) => (err
      ? reject(new VirtMdevError(ExitCode.FAILURE, 'stdout-unwritable', `cannot hand the rewritten domain XML to libvirt on stdout: ${describeSystemError(err)}`, { cause: err }))
      : resolve()));
  });
}

/**
 * One line for libvirt's log, written to fd 2 directly (process.stderr would load Node's stream
 * modules for it); a non-blocking descriptor gets the rest through process.stderr. A stderr nobody
 * reads (EPIPE, closed) must not change what the call did: such a write is dropped.
 */
function writeStderr(s: string): void {
  const b = Buffer.from(s);
  let done: number;
  try {
    done = writeFdUntilFull(2, b);
  } catch {
    return;
  }
  if (done < b.length) {
    process.stderr.on('error', () => undefined);
    process.stderr.write(b.subarray(done));
  }
}

// UNOPTIMISED_UP_TO: off until a big document turns it back on
setV8Flags('--no-opt');

// No top-level await: the hook runs as a CommonJS bundle (scripts/bundles.ts), which Node loads
// without its ES module loader. Until runHook settles, the status is the one Node gives an unsettled
// top-level await (13): a hook whose work never finished must not look like a success to libvirt.
process.exitCode = 13;
void runHook({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: readStdin,
  stdout: writeStdout,
  stderr: writeStderr,
}).then(async (code) => {
  process.exitCode = code;
  if (process.argv[3] === 'release') await drainStdin();
  // the flags as at start: a V8 code cache written at exit (src/util/code-cache.ts) carries their hash
  setV8Flags('--opt');
});
