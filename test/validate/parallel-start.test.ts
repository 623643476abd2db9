// The workers of a many-file run start before libxml2 loads (src/validate/parallel.ts): a run that
// fails before they get their files ends as one without workers would, at once and with its message.
import test from 'ava';
import { virtMdev } from '../helpers/cli.js';
import { xmlFilesUnder } from '../helpers/xml-files.js';

test('many files and a usage error before the first file: exit 2 with the message, no wait for the workers', async (t) => {
  const files = xmlFilesUnder('samples').slice(0, 70);
  t.true(files.length >= 64, 'enough files for workers');
  const started = Date.now();
  const r = await virtMdev(['validate', '-q', '--libvirt-schemas', '/nonexistent-libvirt-schemas', ...files], { timeoutMs: 30_000 });
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /libvirt's schemas not found: \/nonexistent-libvirt-schemas\/domain\.rng/);
  t.is(String(r.stdout), '');
  t.true(Date.now() - started < 10_000);
});

test('many files with standard input twice: the usage error, no workers left behind', async (t) => {
  const files = xmlFilesUnder('samples').slice(0, 70);
  const r = await virtMdev(['validate', '-q', '-', ...files, '-'], { timeoutMs: 30_000, input: '' });
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /can be given only once/);
});
