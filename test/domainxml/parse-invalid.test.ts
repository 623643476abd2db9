// Every bad-input case: one line 'file:line:col: message' naming the element, and its exit code,
// from the parser and from the CLI.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_DOMAIN_XML_BYTES, parseDomainXml } from '../../src/domainxml/parse.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';
import { tempDir, virtMdev } from '../helpers/cli.js';
import { invalidDir, invalidExpectation, invalidFiles } from './corpus.js';

for (const file of invalidFiles()) {
  const text = fs.readFileSync(path.join(invalidDir, file), 'utf8');
  const exp = invalidExpectation(text);

  test(`parser rejects ${file}`, (t) => {
    const e = t.throws(() => parseDomainXml(text, file), { instanceOf: VirtMdevError }) as VirtMdevError;
    t.is(e.exitCode, ExitCode[exp.code]);
    t.true(e.message.startsWith(`${file}:${exp.line}:${exp.col}: `), e.message);
    t.true(e.message.includes(`<${exp.element}`), `names <${exp.element}>: ${e.message}`);
    for (const a of exp.attrs) t.true(e.message.includes(a), `names ${a}: ${e.message}`);
    t.false(e.message.includes('\n'));
  });

  test(`virt-mdev transform rejects ${file} with one line and exit ${exp.code}`, async (t) => {
    const r = await virtMdev(['transform', path.join(invalidDir, file)]);
    t.is(r.exitCode, ExitCode[exp.code]);
    t.is(r.stdout, '');
    const lines = String(r.stderr).trimEnd().split('\n');
    t.is(lines.length, 1, String(r.stderr));
    t.true(lines[0].startsWith(`virt-mdev: ${path.join(invalidDir, file)}:${exp.line}:${exp.col}: `), lines[0]);
  });
}

test('input over 16 MiB is refused before parsing (file and stdin), exit BAD_XML', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const head = "<domain type='kvm'><name>big</name><description>";
  const big = head + 'x'.repeat(MAX_DOMAIN_XML_BYTES) + '</description></domain>';
  const e = t.throws(() => parseDomainXml(big, 'big.xml'), { instanceOf: VirtMdevError }) as VirtMdevError;
  t.is(e.exitCode, ExitCode.BAD_XML);
  t.regex(e.message, /^big\.xml:1:1: document is larger than 16 MiB/);
  const file = path.join(dir, 'big.xml');
  fs.writeFileSync(file, big);
  const r = await virtMdev(['transform', file]);
  t.is(r.exitCode, ExitCode.BAD_XML);
  t.regex(String(r.stderr), /big\.xml:1:1: document is larger than 16 MiB/);
  const s = await virtMdev(['transform', '-'], { input: big });
  t.is(s.exitCode, ExitCode.BAD_XML);
  t.regex(String(s.stderr), /<stdin>:1:1: document is larger than 16 MiB/);
});

test('exactly 16 MiB is still accepted', (t) => {
  const head = "<domain type='kvm'><name>big</name><description>";
  const tail = '</description></domain>';
  const text = head + 'x'.repeat(MAX_DOMAIN_XML_BYTES - head.length - tail.length) + tail;
  t.is(Buffer.byteLength(text), MAX_DOMAIN_XML_BYTES);
  t.is(parseDomainXml(text).name, 'big');
});

test('invalid UTF-8 is BAD_XML', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const file = path.join(dir, 'latin1.xml');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('<domain><name>caf'), Buffer.from([0xe9]), Buffer.from('</name></domain>')]));
  const r = await virtMdev(['transform', file]);
  t.is(r.exitCode, ExitCode.BAD_XML);
  t.regex(String(r.stderr), /not valid UTF-8/);
});

test('a missing input file is a usage error', async (t) => {
  const r = await virtMdev(['transform', '/nonexistent/dom.xml']);
  t.is(r.exitCode, ExitCode.USAGE);
  t.regex(String(r.stderr), /cannot read '\/nonexistent\/dom\.xml': ENOENT/);
});
