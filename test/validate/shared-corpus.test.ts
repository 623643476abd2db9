// The shared domain corpus (samples/domains, kept by the transform area): every authoring sample is
// valid for virt-mdev; what transform makes of it is valid libvirt XML (validate --libvirt); and for
// every bad sample, validate and transform point at the same line.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { libvirtInstalled, xmlFiles } from './corpus.js';

const domains = path.join(repoRoot, 'samples/domains');
const good = fs.existsSync(domains) ? xmlFiles(domains) : [];
const badDir = path.join(domains, 'invalid');
const bad = fs.existsSync(badDir) ? xmlFiles(badDir) : [];

test('every sample domain in samples/domains is valid for virt-mdev', async (t) => {
  t.true(good.length >= 10, `samples/domains holds ${good.length} samples: the corpus is gone`);
  const r = await virtMdev(['validate', '-q', '--no-libvirt', ...good]);
  t.is(r.exitCode, 0, String(r.stdout));
});

test('what transform makes of every sample passes validate --libvirt (one validate run for all)', async (t) => {
  t.true(good.length >= 10, `samples/domains holds ${good.length} samples: the corpus is gone`);
  if (!libvirtInstalled) {
    if (process.env.CI) t.fail('libvirt schemas missing');
    return t.pass();
  }
  const { dir, cleanup } = tempDir();
  try {
    const outputs: string[] = [];
    // a few transforms at a time: the suite runs many files in parallel already
    for (let i = 0; i < good.length; i += 4) {
      await Promise.all(good.slice(i, i + 4).map(async (file) => {
        const tr = await virtMdev(['transform', file], { timeoutMs: 120_000 });
        t.is(tr.exitCode, 0, `${file}: ${String(tr.stderr)}`);
        const out = path.join(dir, path.basename(file));
        fs.writeFileSync(out, String(tr.stdout));
        outputs.push(out);
      }));
    }
    const v = await virtMdev(['validate', '--libvirt', '--format', 'json', ...outputs], { timeoutMs: 120_000 });
    t.is(v.exitCode, 0, String(v.stdout));
    const j = JSON.parse(String(v.stdout)) as { files: Array<{ file: string; libvirt: string }> };
    for (const f of j.files) t.is(f.libvirt, 'checked', f.file);
  } finally {
    cleanup();
  }
});

test('for every bad sample, validate reports the line transform reports', async (t) => {
  const expected = new Map<string, number>();
  for (const file of bad) {
    const m = /expect: \S+ (\d+):(\d+)/.exec(fs.readFileSync(file, 'utf8').split('\n')[0]!);
    if (m) expected.set(file, Number(m[1]));
  }
  t.true(expected.size >= 5, `only ${expected.size} bad samples carry an expect: line`);
  const r = await virtMdev(['validate', '--no-libvirt', '--format', 'json', ...expected.keys()], { timeoutMs: 120_000 });
  t.is(r.exitCode, 1, String(r.stderr));
  const j = JSON.parse(String(r.stdout)) as { files: Array<{ file: string; status: string; errors: Array<{ line: number }> }> };
  for (const f of j.files) {
    t.is(f.status, 'invalid', f.file);
    t.is(f.errors[0]?.line ?? -1, expected.get(f.file) ?? -2, f.file);
  }
});
