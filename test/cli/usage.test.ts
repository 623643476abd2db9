// Command-line mistakes commander catches (unknown command or option, missing or extra argument) get
// what every other bad input gets: one 'virt-mdev: …' line (one JSON line with --json) and exit 2.
import test from 'ava';
import { virtMdev } from '../helpers/cli.js';

const CASES: Array<[string[], RegExp]> = [
  [['frob'], /^virt-mdev: unknown command 'frob' \(see 'virt-mdev --help'\)$/],
  [['nodedev-list', '--bogus'], /^virt-mdev: unknown option '--bogus' \(see 'virt-mdev --help'\)$/],
  [['validate'], /^virt-mdev: missing required argument 'file'/],
  [['ledger', 'extra'], /^virt-mdev: too many arguments for 'ledger'/],
  [['nodedev-lst'], /^virt-mdev: unknown command 'nodedev-lst' \(Did you mean nodedev-list\?\)/],
];

for (const [args, want] of CASES) {
  test(`usage error: virt-mdev ${args.join(' ')}`, async (t) => {
    const r = await virtMdev(args);
    t.is(r.exitCode, 2);
    t.is(String(r.stdout), '');
    const lines = String(r.stderr).split('\n').filter((l) => l !== '');
    t.is(lines.length, 1, String(r.stderr));
    t.regex(lines[0]!, want);
  });
}

test('usage error with --json: one JSON line with reason usage', async (t) => {
  const r = await virtMdev(['--json', 'frob']);
  t.is(r.exitCode, 2);
  const lines = String(r.stderr).split('\n').filter((l) => l !== '');
  t.is(lines.length, 1);
  t.like(JSON.parse(lines[0]!), { error: 'usage', message: "unknown command 'frob' (see 'virt-mdev --help')" });
});

test('--help and --version still print to stdout and exit 0', async (t) => {
  for (const args of [['--help'], ['--version'], ['nodedev-list', '--help']]) {
    const r = await virtMdev(args);
    t.is(r.exitCode, 0, args.join(' '));
    t.not(String(r.stdout), '');
    t.is(String(r.stderr), '');
  }
});
