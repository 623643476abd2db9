#!/usr/bin/env node
// The CLI as `bin` runs it (dist/app/virt-mdev.cjs): a small CommonJS file, because Node starts one
// faster than an ES module and this one loads nothing else for the answers it knows. `--help`, `-h`,
// `--version`, `-V` and a bare `virt-mdev` print what commander itself printed for them at build
// time (scripts/bundles.ts; test/cli/launcher.test.ts compares both byte for byte); plain
// nodedev-list and nodedev-dumpxml command lines run from ./nodedev-read.cjs and plain validate
// command lines from ./validate-fast.cjs (./fast-path.ts says which); every other command line goes to
// the ES-module CLI (./virt-mdev.mjs), unchanged.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseFastCommand, parseFastValidate } from './fast-path.js';
import { writeStdout } from './stdout-errors.js';
import { BASELINE_ONLY_UP_TO, setWasmFlags } from '../schemas/wasm-flags.js';

/** What commander printed for each of these exact command lines (joined by a space), put here by the build. */
interface QuickAnswer { out: string; err: string }
declare const VIRT_MDEV_QUICK_ANSWERS: Record<string, QuickAnswer>;

const argv = process.argv.slice(2);
const quick = argv.length <= 1 && Object.prototype.hasOwnProperty.call(VIRT_MDEV_QUICK_ANSWERS, argv.join(' '))
  ? VIRT_MDEV_QUICK_ANSWERS[argv.join(' ')] : undefined;
const fast = quick ? undefined : parseFastCommand(argv);
const validate = quick || fast ? undefined : parseFastValidate(argv);
if (quick) {
  if (quick.out !== '') writeStdout(quick.out);
  if (quick.err !== '') process.stderr.write(quick.err);
} else if (fast) {
  // not bundled in: --help never loads it
  const { runFast } = require(path.join(__dirname, 'nodedev-read.cjs')) as typeof import('./fast-run.js');
  process.exitCode = runFast(fast);
} else if (validate) {
  // libxml2's V8 flags before the bundle is compiled (../schemas/wasm-flags.ts); not bundled in:
  // --help never loads libxml2-wasm; no commander
  setWasmFlags(validate.files.length <= BASELINE_ONLY_UP_TO);
  const { runFastValidate } = require(path.join(__dirname, 'validate-fast.cjs')) as typeof import('./validate-fast.js');
  void runFastValidate(validate);
} else {
  // a file URL: import() of a bare path would be a package name
  void import(pathToFileURL(path.join(__dirname, 'virt-mdev.mjs')).href);
}
