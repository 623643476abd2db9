// Hostile input is refused before it can cost anything: no entity is ever expanded, no DTD read,
// nesting and size are bounded.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, virtMdev } from '../helpers/cli.js';

async function validateText(name: string, text: string | Buffer, args: string[] = []) {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    // generous bound: an expanding parser would not finish (or would exhaust memory) long before
    const r = await virtMdev(['validate', '--no-libvirt', ...args, file], { timeoutMs: 60_000 });
    return { code: r.exitCode, out: String(r.stdout).split(`${dir}/`).join(''), err: String(r.stderr), timedOut: r.timedOut };
  } finally {
    cleanup();
  }
}

test('billion laughs is refused at its DOCTYPE, without expansion', async (t) => {
  const ents = ['<!ENTITY l0 "ha">'];
  for (let i = 1; i <= 30; i++) ents.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`);
  const xml = `<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE domain [\n${ents.join('\n')}\n]>\n<domain><name>&l30;</name></domain>\n`;
  const r = await validateText('laughs.xml', xml);
  t.false(r.timedOut);
  t.is(r.code, 1);
  t.is(r.out, 'laughs.xml:3:1: DOCTYPE is not allowed: virt-mdev never reads DTDs or expands entities; remove the <!DOCTYPE …> (libvirt never writes one)\n');
});

test('an external DTD or entity is refused the same way (nothing is fetched)', async (t) => {
  const r = await validateText('ext.xml', `\ufeff<!DOCTYPE domain SYSTEM "http://127.0.0.1:9/x.dtd">\n<domain><name>&x;</name></domain>`);
  t.is(r.code, 1);
  t.regex(r.out, /^ext\.xml:1:2: DOCTYPE is not allowed/);
});

test('an undeclared entity is malformed XML, not looked up', async (t) => {
  const r = await validateText('ent.xml', `<domain>\n  <name>&passwd;</name>\n</domain>\n`);
  t.is(r.code, 1);
  t.regex(r.out, /^ent\.xml:2:\d+: malformed XML: Entity 'passwd' not defined/);
});

test('deep nesting is refused by the depth limit', async (t) => {
  const n = 100_000;
  const r = await validateText('deep.xml', `<domain>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</domain>`);
  t.false(r.timedOut);
  t.is(r.code, 1);
  t.regex(r.out, /^deep\.xml:1:\d+: malformed XML: Excessive depth in document: 256/);
});

test('input over 16 MiB is refused without being parsed', async (t) => {
  const big = Buffer.alloc(16 * 1024 * 1024 + 1, 0x20);
  big.write('<domain>', 0);
  const r = await validateText('big.xml', big);
  t.is(r.code, 1);
  t.regex(r.out, /^big\.xml:1:1: big\.xml is larger than 16 MiB/);
});

test('malformed XML reports libxml2\'s position', async (t) => {
  const r = await validateText('bad.xml', `<domain>\n  <name>x</name>\n  <devices attr=noquotes/>\n</domain>\n`);
  t.is(r.code, 1);
  t.regex(r.out, /^bad\.xml:3:\d+: malformed XML: /);
});

test('a DOCTYPE in UTF-16 (which libxml2 decodes) is refused too: only UTF-8 is read', async (t) => {
  const xml = '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<domain type=\'kvm\'><name>&b;</name></domain>\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
  const be = Buffer.from(xml, 'utf16le').swap16(); // no BOM: libxml2 detects it from '<' = 00 3C
  for (const [name, bytes] of [['le.xml', le], ['be.xml', be]] as const) {
    const r = await validateText(name, bytes);
    t.is(r.code, 1, name);
    t.is(r.out, `${name}:1:1: the document is not UTF-8 (UTF-16 or UCS-4?): libvirt reads XML as UTF-8 only; convert it (iconv -t UTF-8)\n`, name);
  }
});
