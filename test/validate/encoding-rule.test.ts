// One rule for document encodings (src/util/xml-encoding.ts), shared by validate and transform and
// the same as libvirt's: UTF-8 bytes, whatever encoding= says. Cases are files under
// test/data/xml-encoding/<case>/ (domain.xml + expected.json).
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/util/errors.js';
import { repoRoot, virtMdev } from '../helpers/cli.js';

interface Expected { accepted: boolean; at?: string }

const dataDir = path.join(repoRoot, 'test/data/xml-encoding');
const cases = fs.readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const haveVirsh = (await execa('virsh', ['--version'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;

type Report = { file: string; status: string; errors: Array<{ line: number; col: number; message: string }> };
// one validate run for all cases (loading libxml2 is the slow part)
const reports = new Map<string, Report>();
test.before(async () => {
  const r = await virtMdev(['validate', '--no-libvirt', '--format', 'json', ...cases.map((c) => path.join(dataDir, c, 'domain.xml'))]);
  for (const f of (JSON.parse(String(r.stdout)) as { files: Report[] }).files) reports.set(f.file, f);
});

for (const c of cases) {
  const file = path.join(dataDir, c, 'domain.xml');
  const exp = JSON.parse(fs.readFileSync(path.join(dataDir, c, 'expected.json'), 'utf8')) as Expected;

  test(`${c}: transform and validate ${exp.accepted ? 'both accept it' : `both refuse it at ${exp.at}`}`, async (t) => {
    const tr = await virtMdev(['transform', file]);
    const v = reports.get(file)!;
    if (exp.accepted) {
      t.is(tr.exitCode, 0, String(tr.stderr));
      t.is(v.status, 'valid', JSON.stringify(v.errors));
      return;
    }
    t.is(tr.exitCode, ExitCode.BAD_XML);
    const lines = String(tr.stderr).trimEnd().split('\n');
    t.is(lines.length, 1, String(tr.stderr));
    t.true(lines[0]!.startsWith(`virt-mdev: ${file}:${exp.at}: the document is not `), lines[0]);
    t.is(v.status, 'invalid');
    const first = v.errors[0]!;
    t.is(`${first.line}:${first.col}`, exp.at ?? '');
    t.is(`virt-mdev: ${file}:${exp.at}: ${first.message}`, lines[0], 'the same words');
  });

  test(`${c}: virsh -c test:///default define ${exp.accepted ? 'accepts' : 'refuses'} it too`, async (t) => {
    if (!haveVirsh) {
      if (process.env.CI) t.fail('virsh must be installed in CI (apt-get install libvirt-clients)');
      else { t.log('skipped: no virsh'); t.pass(); }
      return;
    }
    const r = await execa('virsh', ['-c', 'test:///default', 'define', file], { reject: false, env: { LC_ALL: 'C' } });
    t.is(r.exitCode === 0, exp.accepted, String(r.stderr));
  });
}
