// Output formats and exit codes: text, json, junit (parsed back as XML), stdin, 0/1/2.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { tempDir, virtMdev } from '../helpers/cli.js';
import { invalidDir, validDir } from './corpus.js';

const valid = path.join(validDir, 'libvirt-managed.xml');
const authoring = path.join(validDir, 'managed-authoring.xml');
const badModel = path.join(invalidDir, 'bad-model.xml');
const malformed = path.join(invalidDir, 'malformed.xml');

test('exit 0 when every file is valid, 1 when any is invalid, 2 when any cannot be read', async (t) => {
  t.is((await virtMdev(['validate', valid, authoring])).exitCode, 0);
  t.is((await virtMdev(['validate', valid, badModel])).exitCode, 1);
  const { dir, cleanup } = tempDir();
  try {
    const missing = path.join(dir, 'nope.xml');
    const r = await virtMdev(['validate', valid, missing, badModel]);
    t.is(r.exitCode, 2);
    t.regex(String(r.stderr), new RegExp(`^virt-mdev: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file$`, 'm'));
    // the other files were still validated
    t.true(String(r.stdout).includes(`${badModel}:7:63: model='vfio-bogus'`));
    t.is((await virtMdev(['validate', dir])).exitCode, 2);
  } finally {
    cleanup();
  }
});

test('usage errors exit 2: no file, unknown format, a libvirt schema directory that is not there', async (t) => {
  t.is((await virtMdev(['validate'])).exitCode, 2);
  t.is((await virtMdev(['validate', '--format', 'yaml', valid])).exitCode, 2);
  const r = await virtMdev(['validate', '--libvirt-schemas', '/nonexistent/schemas', valid]);
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /^virt-mdev: libvirt's schemas not found: \/nonexistent\/schemas\/domain\.rng does not exist/m);
  t.is((await virtMdev(['validate', '-', '-'], { input: '<domain/>' })).exitCode, 2);
});

test("'-' reads standard input", async (t) => {
  const r = await virtMdev(['validate', '--no-libvirt', '-'], { input: fs.readFileSync(badModel, 'utf8') });
  t.is(r.exitCode, 1);
  t.regex(String(r.stdout), /^<stdin>:7:63: model='vfio-bogus'/m);
  const ok = await virtMdev(['validate', '-'], { input: fs.readFileSync(valid, 'utf8') });
  t.is(ok.exitCode, 0, String(ok.stdout));
});

test('json: one report with status, kind, positions and notes per file', async (t) => {
  const r = await virtMdev(['validate', '--format', 'json', valid, authoring, badModel]);
  t.is(r.exitCode, 1);
  const j = JSON.parse(String(r.stdout)) as {
    valid: boolean;
    files: Array<{ file: string; kind: string; status: string; libvirt: string; errors: Array<{ line: number; col: number; message: string; source: string }>; notes: string[] }>;
  };
  t.false(j.valid);
  t.deepEqual(j.files.map((f) => f.status), ['valid', 'valid', 'invalid']);
  t.deepEqual(j.files.map((f) => f.kind), ['domain', 'domain', 'domain']);
  t.is(j.files[1]!.libvirt, 'skipped-authoring');
  t.regex(j.files[1]!.notes[0]!, /not yet libvirt-ready/);
  t.deepEqual(j.files[2]!.errors[0], { line: 7, col: 63, source: 'virt-mdev', message: "model='vfio-bogus' is not an mdev model: use 'vfio-pci' or 'vfio-ccw' or 'vfio-ap'" });
  // the global --json means the same
  const g = await virtMdev(['--json', 'validate', valid]);
  t.is(g.exitCode, 0);
  t.true((JSON.parse(String(g.stdout)) as { valid: boolean }).valid);
});

test('junit: valid JUnit XML, one testcase per file, failures carry file:line:col', async (t) => {
  const r = await virtMdev(['validate', '--format', 'junit', valid, badModel, malformed]);
  t.is(r.exitCode, 1);
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: (level: string, msg: unknown) => { if (level !== 'warning') errors.push(String(msg)); } })
    .parseFromString(String(r.stdout), 'text/xml');
  t.deepEqual(errors, []);
  const suites = doc.documentElement!;
  t.is(suites.nodeName, 'testsuites');
  t.is(suites.getAttribute('tests'), '3');
  t.is(suites.getAttribute('failures'), '2');
  const cases = Array.from(doc.getElementsByTagName('testcase'));
  t.deepEqual(cases.map((c) => c.getAttribute('name')), [valid, badModel, malformed]);
  t.is(cases[0]!.getElementsByTagName('failure').length, 0);
  const failure = cases[1]!.getElementsByTagName('failure')[0]!;
  t.is(failure.getAttribute('message'), `${badModel}:7:63: model='vfio-bogus' is not an mdev model: use 'vfio-pci' or 'vfio-ccw' or 'vfio-ap'`);
  t.regex(cases[2]!.getElementsByTagName('failure')[0]!.textContent ?? '', /malformed\.xml:6:14: malformed XML: Opening and ending tag mismatch/);
  for (const c of cases) t.regex(c.getAttribute('time') ?? '', /^\d+\.\d{3}$/);
});

test('junit: an unreadable file is an <error>, and exit is 2', async (t) => {
  const r = await virtMdev(['validate', '--format', 'junit', valid, '/nonexistent/x.xml']);
  t.is(r.exitCode, 2);
  const doc = new DOMParser().parseFromString(String(r.stdout), 'text/xml');
  t.is(doc.documentElement!.getAttribute('errors'), '1');
  const err = doc.getElementsByTagName('error')[0]!;
  t.is(err.getAttribute('message'), 'cannot read /nonexistent/x.xml: no such file');
});

test('schemas are found from the installed package, whatever the working directory', async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await virtMdev(['validate', valid, authoring], { cwd: dir });
    t.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
  } finally {
    cleanup();
  }
});

test('--quiet prints only problems and notes', async (t) => {
  const r = await virtMdev(['validate', '-q', valid, authoring]);
  t.is(r.exitCode, 0);
  const lines = String(r.stdout).trim().split('\n');
  t.is(lines.length, 1);
  t.regex(lines[0]!, /managed-authoring\.xml: note: not yet libvirt-ready/);
});
