// Every form in the corpus passes; every mistake fails with the true file:line:col.
import test from 'ava';
import * as path from 'node:path';
import { virtMdev } from '../helpers/cli.js';
import { expectationOf, invalidDir, validDir, xmlFiles } from './corpus.js';

test('every valid sample passes (all forms, all models, non-mdev hostdevs alongside)', async (t) => {
  const files = xmlFiles(validDir);
  t.true(files.length >= 6);
  const r = await virtMdev(['validate', ...files]);
  t.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
  for (const f of files) t.true(String(r.stdout).includes(`${f}: valid (domain: domain-mdev.rng`), f);
  t.true(String(r.stdout).includes(`${files.length} of ${files.length} valid`));
});

for (const file of xmlFiles(invalidDir)) {
  test(`invalid sample ${path.basename(file)} fails at its true line:col`, async (t) => {
    const e = expectationOf(file);
    const r = await virtMdev(['validate', file]);
    t.is(r.exitCode, 1, String(r.stdout) + String(r.stderr));
    const lines = String(r.stdout).split('\n').filter((l) => l.startsWith(`${file}:`) && !l.includes(': note: '));
    t.true(lines.length >= 1);
    // the first (topmost) problem is the one the sample is about
    t.true(lines[0]!.startsWith(`${file}:${e.line}:${e.col}: `), lines[0]);
    t.true(lines[0]!.includes(e.fragment), lines[0]);
  });
}

test('each invalid sample is explained by name, not by libxml2\'s generic RelaxNG text', async (t) => {
  const r = await virtMdev(['validate', '--format', 'json', ...xmlFiles(invalidDir)]);
  t.is(r.exitCode, 1);
  const report = JSON.parse(String(r.stdout)) as { files: Array<{ file: string; errors: Array<{ message: string }> }> };
  for (const f of report.files) {
    t.true(f.errors.length >= 1, f.file);
    for (const e of f.errors) t.false(/failed to validate|Invalid sequence|extra content/.test(e.message), `${f.file}: ${e.message}`);
  }
});
