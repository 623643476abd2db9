// `virt-mdev validate` knows pool definitions by their root element, checks them against
// schemas/pool.rng and names problems as pool-define does, at file:line:col. Schema and reader agree.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePoolXml } from '../../src/pools/parse.js';
import { SchemaSet } from '../../src/schemas/compile.js';
import { loadLibxml, SAFE_PARSE_OPTIONS } from '../../src/schemas/libxml.js';
import { OUR_SCHEMA, ourSchemaPath } from '../../src/schemas/locate.js';
import { repoRoot, tempDir, virtMdev } from '../helpers/cli.js';
import { poolXml } from './helpers.js';

const samples = path.join(repoRoot, 'samples/pools');

test('the sample pools are valid pool documents', async (t) => {
  const files = fs.readdirSync(samples).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(samples, f));
  t.true(files.length >= 3);
  const r = await virtMdev(['validate', '--json', ...files]);
  t.is(r.exitCode, 0, String(r.stdout));
  const j = JSON.parse(String(r.stdout)) as { files: Array<{ kind: string; status: string; libvirt: string; schemas: string[] }> };
  for (const f of j.files) t.like(f, { kind: 'pool', status: 'valid', libvirt: 'not-applicable', schemas: ['pool.rng'] });
});

test('an invalid pool file is reported at file:line:col in pool-define\'s words', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const bad = path.join(d.dir, 'bad.xml');
  fs.writeFileSync(bad, poolXml('vdi', 'nvidia-63', 0, ['pci_0000_41_00_0']));
  const unknown = path.join(d.dir, 'unknown.xml');
  fs.writeFileSync(unknown, poolXml('vdi', 'nvidia-63', 2).replace('</mdevpool>', "  <policy name='spread'/>\n</mdevpool>"));
  const twice = path.join(d.dir, 'twice.xml');
  fs.writeFileSync(twice, poolXml('vdi', 'nvidia-63', 2, ['mtty', 'mtty']));
  const r = await virtMdev(['validate', '-q', bad, unknown, twice], { cwd: d.dir });
  t.is(r.exitCode, 1);
  t.is(String(r.stdout).split(`${d.dir}/`).join(''),
    "bad.xml:5:3: <size> '0' is not a pool size: give the number of members, 1 to 4096\n" +
    "unknown.xml:5:3: unknown element <policy> in <mdevpool>: expected <name>, <type id='…'/>, <parent> (zero or more) and <size>\n" +
    'twice.xml:5:3: <parent>mtty</parent> is named twice: name each parent once\n');
});

test('a DOCTYPE in a pool file is refused before parsing', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const f = path.join(d.dir, 'p.xml');
  fs.writeFileSync(f, `<!DOCTYPE mdevpool [<!ENTITY x 'vdi'>]>\n${poolXml('&x;', 'mtty-2', 2)}`);
  const r = await virtMdev(['validate', '-q', f]);
  t.is(r.exitCode, 1);
  t.regex(String(r.stdout), /p\.xml:1:1: DOCTYPE is not allowed/);
});

test('pool.rng and pool-define\'s reader accept and refuse the same documents', async (t) => {
  const lx = await loadLibxml();
  using set = new SchemaSet(lx);
  const v = set.get(ourSchemaPath(OUR_SCHEMA.pool)).validator;
  const parts = {
    name: ['<name>vdi</name>', '<name> a.b-c_1 </name>', '<name>a/b</name>', '<name>..</name>', '<name>-x</name>', '', '<name>x</name><name>y</name>', '<name><b/></name>'],
    type: ["<type id='nvidia-63'/>", "<type id='a/b'/>", '<type/>', "<type id='x' y='1'/>", '', "<type id='t'>x</type>", "<type id='a..b'/>"],
    parent: ['', '<parent>pci_0000_41_00_0</parent>', '<parent>0000:41:00.0</parent><parent>mtty</parent>', '<parent>../x</parent>', "<parent a='1'>m</parent>", '<parent></parent>'],
    size: ['<size>8</size>', '<size>0</size>', '<size>4096</size>', '<size>4097</size>', '<size>+4</size>', '<size>x</size>', '', '<size> 12 </size>', "<size unit='n'>3</size>"],
    extra: ['', '<policy/>', 'text'],
  };
  let seed = 4242;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 16) % n;
  };
  // the first choice of each part is a good one: mostly good parts, so that one bad part decides
  const pick = (a: string[]): string => a[next(10) < 7 ? 0 : next(a.length)]!;
  const disagreements: string[] = [];
  let accepted = 0;
  for (let i = 0; i < 1500; i++) {
    const kids = [pick(parts.name), pick(parts.type), pick(parts.parent), pick(parts.size), pick(parts.extra)];
    // any order: the schema interleaves, the reader does not care
    const xml = `<mdevpool>${(seed & 1 ? kids.reverse() : kids).join('\n')}</mdevpool>`;
    const doc = lx.XmlDocument.fromString(xml, { option: SAFE_PARSE_OPTIONS });
    let schemaOk = true;
    try { v.validate(doc); } catch { schemaOk = false; } finally { doc.dispose(); }
    let readerOk = true;
    try { parsePoolXml(xml, 'p.xml'); } catch { readerOk = false; }
    if (schemaOk) accepted++;
    if (schemaOk !== readerOk) disagreements.push(`${schemaOk ? 'schema accepts' : 'schema rejects'}: ${xml}`);
  }
  t.true(accepted > 20, `a useful mix: ${accepted} accepted`);
  t.deepEqual(disagreements.slice(0, 5), []);
});
