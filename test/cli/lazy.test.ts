// Commands are registered cheaply and their actions imported on use: `--help` loads the command
// line's registration and commander only, and a command loads what it uses. Recorded on the CLI's
// bundle (with the sources each loaded file holds, from the build's metafile).
import test from 'ava';
import { execa } from 'execa';
import { cliPath, moduleRecorder, tempDir } from '../helpers/cli.js';
import { simHost } from '../hook/helpers.js';

async function sourcesLoaded(args: string[]): Promise<string[]> {
  const rec = tempDir('virt-mdev-lazy-');
  try {
    const recorder = moduleRecorder(rec.dir);
    const r = await execa(process.execPath, [recorder.importFlag, cliPath, ...args], { reject: false });
    if (r.exitCode !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return recorder.loaded().filter((u) => !u.includes(':'));
  } finally {
    rec.cleanup();
  }
}

const ours = (srcs: string[]): string[] => srcs.filter((s) => s.startsWith('src/'));
const packages = (srcs: string[]): string[] => [...new Set(srcs.filter((s) => s.startsWith('node_modules/')).map((s) => s.split('/')[1]!))].sort();

test('--help loads the registration of the commands and commander, no action', async (t) => {
  const srcs = await sourcesLoaded(['--help']);
  t.deepEqual(packages(srcs), ['commander']);
  t.deepEqual(ours(srcs).filter((s) => !/^src\/cli\/(main|program|run|context|stdout-errors|commands\/[a-z-]+)\.ts$|^src\/(util\/(errors|not-a-directory|validate|fd-write)|host\/root)\.ts$/.test(s)), []);
  t.deepEqual(ours(srcs).filter((s) => s.endsWith('-actions.ts')), []);
});

test('nodedev-list loads its own action, not those of the pool verbs, validate, transform, the hook, or nodedev-create', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const srcs = await sourcesLoaded(['--root', sim.dir, 'nodedev-list']);
  t.true(srcs.includes('src/cli/commands/nodedev-read-actions.ts'));
  t.deepEqual(packages(srcs), ['commander']);
  for (const area of ['src/validate/', 'src/schemas/', 'src/transform/', 'src/hook/', 'src/cli/commands/pools-actions', 'src/cli/commands/nodedev-persist-actions',
    'src/cli/commands/nodedev-actions', 'src/nodedev/create', 'src/nodedev/persist', 'src/nodedev/parse', 'src/ledger/']) {
    t.deepEqual(srcs.filter((s) => s.startsWith(area)), [], area);
  }
});
