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

test('every invalid sample fails at its true line:col with its message (one run for all)', async (t) => {
  const files = xmlFiles(invalidDir);
  t.true(files.length >= 10);
  const r = await virtMdev(['validate', '--format', 'json', ...files]);
  t.is(r.exitCode, 1, String(r.stderr));
  const j = JSON.parse(String(r.stdout)) as { files: Array<{ file: string; status: string; errors: Array<{ line: number; col: number; message: string }> }> };
  t.deepEqual(j.files.map((f) => f.file), files);
  for (const f of j.files) {
    const e = expectationOf(f.file);
    const first = f.errors[0];
    t.is(f.status, 'invalid', f.file);
    // the first (topmost) problem is the one the sample is about
    t.is(`${first?.line}:${first?.col}`, `${e.line}:${e.col}`, `${path.basename(f.file)}: ${first?.message}`);
    t.true(first?.message.includes(e.fragment), `${path.basename(f.file)}: ${first?.message}`);
  }
});

test('text format: file:line:col: message', async (t) => {
  const file = path.join(invalidDir, 'bad-uuid.xml');
  const e = expectationOf(file);
  const r = await virtMdev(['validate', file]);
  t.is(r.exitCode, 1);
  const first = String(r.stdout).split('\n')[0]!;
  t.true(first.startsWith(`${file}:${e.line}:${e.col}: `), first);
  t.true(first.includes(e.fragment), first);
});

test('each invalid sample is explained by name, not by libxml2\'s generic RelaxNG text', async (t) => {
  const r = await virtMdev(['validate', '--format', 'json', ...xmlFiles(invalidDir)]);
  t.is(r.exitCode, 1);
  const report = JSON.parse(String(r.stdout)) as { files: Array<{ file: string; errors: Array<{ message: string }> }> };
  for (const f of report.files) {
    t.true(f.errors.length >= 1, f.file);
    for (const e of f.errors) t.false(/failed to validate|Invalid sequence|extra content/.test(e.message), `${f.file}: ${e.message}`);
  }
});
