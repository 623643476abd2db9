// transform over the whole corpus: only the changed hostdev and metadata lines differ, a second run
// changes nothing, and libvirt-ready input comes back byte for byte.
import test from 'ava';
import { parseDomainXml, parseDomainXmlWithLayout } from '../../src/domainxml/parse.js';
import { transformDomainXml } from '../../src/transform/transform.js';
import { corpusFiles, readCorpus } from '../domainxml/corpus.js';
import { lineChanges } from './line-diff.js';

/** [first, last] line of each mdev hostdev and of <metadata> (or the line it is inserted after) */
function changeableLines(text: string): Array<[number, number]> {
  const doc = parseDomainXml(text);
  const lineOf = (offset: number): number => text.slice(0, offset).split(/\r\n|\r|\n/).length;
  const ranges: Array<[number, number]> = doc.hostdevs.map((h) => [h.span.line, lineOf(h.span.end)]);
  const md = /<metadata\s*\/>/.exec(text) ?? /<metadata>[\s\S]*?<\/metadata>/.exec(text);
  if (md) ranges.push([lineOf(md.index), lineOf(md.index + md[0].length)]);
  return ranges;
}

const ADDED_LINE = /^\s*(<hostdev |<address uuid=|<\/?metadata>|<\/?virt-mdev:)|<\/metadata>$|<metadata>/;

for (const file of corpusFiles()) {
  test(`transform ${file}: only hostdev and metadata lines change`, (t) => {
    const input = readCorpus(file);
    const r = transformDomainXml(input, file);
    const ranges = changeableLines(input);
    const { removed, added } = lineChanges(input, r.output);
    for (const { line, text } of removed) {
      t.true(ranges.some(([a, b]) => line >= a && line <= b), `line ${line} changed outside a hostdev/metadata: ${JSON.stringify(text)}`);
    }
    for (const { text, atBefore } of added) {
      // new lines replace lines of a hostdev or of <metadata>, or are our newly inserted metadata
      const inRange = ranges.some(([a, b]) => atBefore >= a && atBefore <= b + 1);
      t.true(inRange || ADDED_LINE.test(text), `unexpected added line ${JSON.stringify(text)}`);
    }
    t.is(r.changed, r.output !== input);
  });

  test(`transform ${file} is idempotent`, (t) => {
    const once = transformDomainXml(readCorpus(file), file).output;
    const twice = transformDomainXml(once, file);
    t.is(twice.output, once);
    t.false(twice.changed);
  });

  test(`transform ${file} gives libvirt's form for every mdev hostdev`, (t) => {
    const out = transformDomainXml(readCorpus(file), file);
    const doc = parseDomainXml(out.output);
    t.is(doc.hostdevs.length, out.devices.length);
    for (const [i, h] of doc.hostdevs.entries()) {
      t.is(h.form, 'libvirt');
      t.is(h.modelSource, 'attribute');
      t.is(h.uuid, out.devices[i].uuid);
      t.is(h.model, out.devices[i].model);
      t.is(h.managed, out.devices[i].managed);
      if (h.managed) t.deepEqual(h.request, doc.metadata.find((m) => m.uuid === h.uuid) && out.devices[i].type !== undefined
        ? { type: out.devices[i].type, ...(out.devices[i].parent ? { parent: out.devices[i].parent } : {}), ...(out.devices[i].pool ? { pool: out.devices[i].pool } : {}) }
        : h.request);
    }
    t.deepEqual(doc.metadata.map((m) => m.uuid), out.devices.filter((d) => d.managed).map((d) => d.uuid));
  });
}

test('libvirt-ready documents come back byte for byte', (t) => {
  for (const f of ['virsh-dumpxml-running-vgpu-q35.xml', 'virsh-dumpxml-running-i440fx-managed-no-display-off.xml',
    'virsh-dumpxml-running-managed-metadata-reemitted.xml', 'managed-already-transformed-libvirt-ready.xml',
    'libvirt-vfio-ap.xml', 'libvirt-vfio-ccw-guest-ccw-address.xml', 'libvirt-vfio-pci-display-ramfb-guest-pci-address.xml']) {
    const input = readCorpus(f);
    const r = transformDomainXml(input, f);
    t.false(r.changed, f);
    t.is(r.output, input, f);
  }
});

test('generated UUIDs are UUIDv5 of the domain UUID and place: the same on every run, different per domain', (t) => {
  const input = readCorpus('every-form-in-one-domain.xml');
  const a = transformDomainXml(input).devices;
  const b = transformDomainXml(input).devices;
  t.deepEqual(a, b);
  t.deepEqual(a.map((d) => d.generated), [false, false, false, true, true, false]);
  for (const d of a.filter((x) => x.generated)) t.regex(d.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(a[3].uuid, a[4].uuid);
  const other = transformDomainXml(input.replace('8d9e0f1a-2b3c-4d4e-8f6a-7b8c9d0e1f20', '8d9e0f1a-2b3c-4d4e-8f6a-7b8c9d0e1f21')).devices;
  t.not(other[3].uuid, a[3].uuid);
});

test('a domain without <uuid> derives from its name and warns', (t) => {
  const r = transformDomainXml(readCorpus('managed-domain-without-uuid.xml'), 'd.xml');
  t.true(r.devices[0].generated);
  t.is(r.warnings.length, 1);
  t.regex(r.warnings[0], /^d\.xml:8: the domain has no <uuid>: generated mdev UUIDs derive from its name 'no-uuid-yet'/);
});

test('CRLF, BOM, tabs and quoting of the input are what the inserted lines use', (t) => {
  const crlf = transformDomainXml(readCorpus('crlf-line-endings.xml')).output;
  t.false(/[^\r]\n/.test(crlf), 'every newline stays CRLF');
  t.true(crlf.includes("\r\n  <metadata>\r\n    <virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'>\r\n"));
  const bom = transformDomainXml(readCorpus('utf8-bom-single-line-no-final-newline.xml')).output;
  t.true(bom.startsWith('\ufeff<domain'));
  t.false(bom.includes('\n'));
  t.true(bom.includes("</uuid><metadata><virt-mdev:mdev xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'><virt-mdev:device uuid="));
  const tabs = transformDomainXml(readCorpus('tab-indentation.xml')).output;
  t.true(tabs.includes('\n\t<metadata>\n\t\t<virt-mdev:mdev '));
  const dq = transformDomainXml(readCorpus('double-quotes-everywhere.xml')).output;
  t.false(dq.includes("'"), 'a double-quoted document stays double-quoted');
});

test('our metadata goes after <description>/<title>, into an existing <metadata> after other apps, and replaces <metadata/>', (t) => {
  const other = transformDomainXml(readCorpus('metadata-of-other-applications-kept.xml')).output;
  t.regex(other, /team-vdi<\/app:owner>\n    <virt-mdev:mdev [^\n]+\n      <virt-mdev:device uuid='[0-9a-f-]+' type='nvidia-63'\/>\n    <\/virt-mdev:mdev>\n  <\/metadata>/);
  const dq = transformDomainXml(readCorpus('double-quotes-everywhere.xml')).output;
  t.regex(dq, /<title>All attributes in double quotes<\/title>\n  <metadata>\n/);
  const sc = transformDomainXml(readCorpus('metadata-self-closing.xml')).output;
  t.false(sc.includes('<metadata/>'));
  t.is(sc.split('<metadata>').length, 2);
});

test('stale entries are dropped; a domain with no managed hostdev left loses our element only', (t) => {
  const stale = transformDomainXml(readCorpus('metadata-stale-entry-removed.xml'));
  t.true(stale.metadataChanged);
  t.is(parseDomainXml(stale.output).metadata.length, 1);
  const input = readCorpus('managed-already-transformed-libvirt-ready.xml').replace("managed='yes'", "managed='no'");
  const out = transformDomainXml(input).output;
  t.false(out.includes('virt-mdev'));
  t.true(out.includes('<metadata>\n  </metadata>'));
});

test('request attributes win over an older metadata entry for the same UUID', (t) => {
  const input = readCorpus('managed-already-transformed-libvirt-ready.xml').replace(
    "<address uuid='0a1b2c3d-4e5f-5a6b-8c7d-8e9f0a1b2c3d'/>", "<mdev uuid='0a1b2c3d-4e5f-5a6b-8c7d-8e9f0a1b2c3d' type='nvidia-65'/>");
  const out = transformDomainXml(input).output;
  const doc = parseDomainXml(out);
  t.deepEqual(doc.metadata.map((m) => [m.uuid, m.type, m.parent]), [['0a1b2c3d-4e5f-5a6b-8c7d-8e9f0a1b2c3d', 'nvidia-65', undefined]]);
  t.deepEqual(doc.hostdevs[0].request, { type: 'nvidia-65' });
});

for (const file of corpusFiles()) {
  test(`transform ${file}: each device record is the hostdev as the parse read it, keys in the JSON order`, (t) => {
    const input = readCorpus(file);
    const out = transformDomainXml(input, file);
    const { doc } = parseDomainXmlWithLayout(input, file);
    const after = parseDomainXmlWithLayout(out.output, file).layout.hostdevs.map((l) => out.output.slice(l.el.start, l.el.end));
    const before = parseDomainXmlWithLayout(input, file).layout.hostdevs.map((l) => input.slice(l.el.start, l.el.end));
    t.is(out.devices.length, doc.hostdevs.length);
    doc.hostdevs.forEach((h, i) => {
      const d = out.devices[i];
      const want: Record<string, unknown> = {
        index: i, form: h.form, model: h.model, modelSource: h.modelSource, uuid: h.uuid ?? d.uuid, generated: h.uuid === undefined,
        managed: h.managed, ...h.request, ...(h.guestAddressType ? { guestAddressType: h.guestAddressType } : {}),
        line: h.span.line, changed: after[i] !== before[i],
      };
      t.deepEqual(Object.keys(d), Object.keys(want), `${file} device ${i}`);
      t.deepEqual({ ...d }, want, `${file} device ${i}`);
    });
  });
}
