// Run the built CLI (or the hook) as a child process, the way an admin or libvirt would.
import { execa, type Result } from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBundledSources } from '../../scripts/bundle-meta.js';
import { SIM_LOCK_DIR } from '../../src/host/root.js';
import { snapshotTree as snapshotTreeOf } from '../../src/util/tree-snapshot.js';

/** repository top (tests run from dist/test/…) */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** the CLI as it ships: its bundle (npm test builds it first; test/build/bundles.test.ts proves it fresh) */
export const cliPath = path.join(repoRoot, 'dist/app/virt-mdev.mjs');
/** package.json's bin, what an admin runs: the launcher in front of cliPath (src/cli/launcher.ts) */
export const binPath = path.join(repoRoot, 'dist/app/virt-mdev.cjs');
export const hookPath = path.join(repoRoot, 'hooks/qemu');

export interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  /** replace the environment instead of extending it (the hook's reduced environment) */
  extendEnv?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

/** virt-mdev ARGS (through the bin); never throws on a non-zero exit: assert on exitCode/stdout/stderr. */
export async function virtMdev(args: string[], opts: RunOptions = {}): Promise<Result> {
  return execa(process.execPath, [binPath, ...args], {
    input: opts.input,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    cwd: opts.cwd,
    stripFinalNewline: false,
  });
}

/** A fresh empty temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'virt-mdev-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Equal snapshots mean an unchanged host (shared with the demo). */
/**
 * A host root as one comparable value (src/util/tree-snapshot.ts), without the simulated kernel's own
 * directory at its top (SIM_LOCK_DIR: its locks, its write intent and the stamp of the tree as the last
 * clean write left it): the kernel's private memory, which no host shows and a refused write may touch.
 */
export function snapshotTree(dir: string): Record<string, string> {
  const snap = snapshotTreeOf(dir);
  for (const k of Object.keys(snap)) if (k === SIM_LOCK_DIR || k.startsWith(`${SIM_LOCK_DIR}/`)) delete snap[k];
  return snap;
}

/**
 * Records every module URL a Node process resolves: pass `importFlag` as a Node option (argv or
 * NODE_OPTIONS, which children inherit); `loaded()` lists what was loaded so far, each file of a
 * bundle followed by the sources it holds (`src/hook/plan.ts`, `node_modules/saxes/…`).
 */
export function moduleRecorder(dir: string): { importFlag: string; loaded: () => string[] } {
  const record = path.join(dir, 'loaded.txt');
  fs.writeFileSync(path.join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nlet file;\nexport function initialize(d) { file = d.file; }\n"
    + 'export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(file, r.url + "\\n"); return r; }\n');
  fs.writeFileSync(path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${path.join(dir, 'hooks.mjs')}`)}, { data: { file: ${JSON.stringify(record)} } });\n`);
  return {
    importFlag: `--import=${path.join(dir, 'register.mjs')}`,
    loaded: () => (fs.existsSync(record) ? withBundledSources(repoRoot, fs.readFileSync(record, 'utf8').trim().split('\n')) : []),
  };
}
