// The schema decides validity; src/validate/explain.ts says why in words. They must agree: a
// document the schema rejects must get an explanation (not libxml2's generic text), and a document
// the schema accepts must get none. Checked over many generated hostdev variants (seeded, so a
// failure reproduces).
import test from 'ava';
import { loadLibxml, SAFE_PARSE_OPTIONS } from '../../src/schemas/libxml.js';
import { SchemaSet } from '../../src/schemas/compile.js';
import { OUR_SCHEMA, ourSchemaPath } from '../../src/schemas/locate.js';
import { scanDocument } from '../../src/validate/scan.js';
import { explainDomain } from '../../src/validate/explain.js';

const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const parts = {
  mode: ['', " mode='subsystem'", " mode='capabilities'"],
  type: [" type='mdev'", " type='pci'", '', " type='usb'"],
  managed: ['', " managed='yes'", " managed='no'", " managed='maybe'"],
  model: ['', " model='vfio-pci'", " model='vfio-ccw'", " model='vfio-ap'", " model='x'"],
  display: ['', " display='on'", " display='off'", " display='x'"],
  ramfb: ['', " ramfb='on'"],
  source: [`<source><address uuid='${U}'/></source>`, `<source><mdev uuid='${U}'/></source>`, "<source><mdev type='nvidia-63'/></source>",
    "<source><mdev pool='p1'/></source>", "<source><mdev type='a/b'/></source>", "<source><address uuid='zz'/></source>", '', '<source/>',
    `<source><mdev uuid='${U}' parent='mtty'/></source>`, "<source><address domain='0' bus='1' slot='2' function='0'/></source>", '<source><mdev/></source>',
    `<source><mdev type='t..' uuid='${U.replace(/-/g, '')}'/></source>`],
  extra: ['', "<address type='pci' slot='0x05'/>", "<address type='ccw' devno='0x0001'/>", "<address type='drive'/>", "<boot order='1'/>",
    "<alias name='hostdev0'/>", "<acpi index='0'/>", "<rom bar='on'/>", '<readonly/>', '<foo/>', "<address type='pci' slot='zz'/>"],
};

test('schema verdict and explanation agree over 3000 generated hostdevs', async (t) => {
  const lx = await loadLibxml();
  using set = new SchemaSet(lx);
  const v = set.get(ourSchemaPath(OUR_SCHEMA.domain)).validator;
  let seed = 12345;
  const pick = (a: string[]): string => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return a[(seed >>> 16) % a.length]!;
  };
  let rejected = 0;
  const disagreements: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const h = `<hostdev${pick(parts.mode)}${pick(parts.type)}${pick(parts.managed)}${pick(parts.model)}${pick(parts.display)}${pick(parts.ramfb)}>` +
      `${pick(parts.source)}${pick(parts.extra)}${pick(parts.extra)}</hostdev>`;
    const xml = `<domain><devices>${h}</devices></domain>`;
    const doc = lx.XmlDocument.fromString(xml, { option: SAFE_PARSE_OPTIONS });
    let ok = true;
    try {
      v.validate(doc);
    } catch {
      ok = false;
    } finally {
      doc.dispose();
    }
    if (!ok) rejected++;
    const explained = explainDomain(scanDocument(xml)!);
    if (ok !== (explained.length === 0)) disagreements.push(`${ok ? 'schema accepts' : 'schema rejects'}: ${h} :: ${explained.map((e) => e.message).join(' | ')}`);
  }
  t.true(rejected > 500 && rejected < 2900, `a useful mix: ${rejected} rejected`);
  t.deepEqual(disagreements.slice(0, 10), []);
});
