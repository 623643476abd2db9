// Every form and model in the corpus parses to the expected hostdevs, metadata and warnings.
import test from 'ava';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { EXPECTED, corpusFiles, readCorpus } from './corpus.js';

test('every corpus file has an expectation (and every expectation a file)', (t) => {
  t.deepEqual(corpusFiles(), Object.keys(EXPECTED).sort());
});

for (const file of corpusFiles()) {
  test(`parses ${file}`, (t) => {
    const exp = EXPECTED[file];
    if (!exp) return t.fail(`no expectation for ${file}`);
    const doc = parseDomainXml(readCorpus(file), file);
    t.is(doc.name, exp.name);
    if (exp.uuid === null) t.is(doc.uuid, undefined);
    else t.regex(doc.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    t.is(doc.hostdevs.length, exp.hostdevs.length);
    exp.hostdevs.forEach((h, i) => {
      const got = doc.hostdevs[i];
      t.like(got, { index: i, ...h }, `hostdev #${i}`);
      if (!h.uuid) t.is(got.uuid, undefined, `hostdev #${i} names no UUID`);
      if (!h.request) t.is(got.request, undefined);
      else t.deepEqual(got.request, h.request);
      for (const k of ['display', 'ramfb', 'guestAddressType'] as const) t.is(got[k], h[k], `hostdev #${i} ${k}`);
    });
    t.is(doc.metadata.length, exp.metadata ?? 0);
    t.is(doc.warnings.length, exp.warnings ?? 0, doc.warnings.join('\n'));
  });
}

test('hostdev spans cover exactly the <hostdev> element and give its line and column', (t) => {
  const text = readCorpus('virsh-dumpxml-running-vgpu-q35.xml');
  const [h] = parseDomainXml(text).hostdevs;
  const el = text.slice(h.span.start, h.span.end);
  t.true(el.startsWith('<hostdev '));
  t.true(el.endsWith('</hostdev>'));
  const lines = text.slice(0, h.span.start).split('\n');
  t.is(h.span.line, lines.length);
  t.is(h.span.col, lines[lines.length - 1].length + 1);
});

test('metadata is matched by namespace, not by prefix', (t) => {
  const doc = parseDomainXml(readCorpus('virsh-dumpxml-running-managed-metadata-reemitted.xml'));
  t.deepEqual(doc.metadata.map((m) => m.uuid), ['1b2c3d4e-5f6a-5b7c-9d8e-9f0a1b2c3d4e', '2c3d4e5f-6a7b-5c8d-8e9f-0a1b2c3d4e5f']);
  // the prefix our transform writes, bound to another namespace, is not ours
  const foreign = `<domain><name>x</name><metadata><virt-mdev:mdev xmlns:virt-mdev='urn:other'><virt-mdev:device uuid='1b2c3d4e-5f6a-5b7c-9d8e-9f0a1b2c3d4e' type='a'/></virt-mdev:mdev></metadata></domain>`;
  t.deepEqual(parseDomainXml(foreign).metadata, []);
});

test('a metadata entry makes a libvirt-form managed hostdev a managed device; without managed=yes it is not', (t) => {
  const mk = (managed: string) => `<domain><name>x</name>
<metadata><m:mdev xmlns:m='http://virt-mdev.org/xmlns/domain/1.0'><m:device uuid='1B2C3D4E5F6A5B7C9D8E9F0A1B2C3D4E' type='mtty-1'/></m:mdev></metadata>
<devices><hostdev mode='subsystem' type='mdev' managed='${managed}' model='vfio-pci'><source><address uuid='1b2c3d4e-5f6a-5b7c-9d8e-9f0a1b2c3d4e'/></source></hostdev></devices></domain>`;
  const yes = parseDomainXml(mk('yes')).hostdevs[0];
  t.true(yes.managed);
  t.deepEqual(yes.request, { type: 'mtty-1' });
  t.is(yes.requestFrom, 'metadata');
  const no = parseDomainXml(mk('no')).hostdevs[0];
  t.false(no.managed);
  t.is(no.request, undefined);
});

test('predefined entities and character references are fine; comments and CDATA do not confuse the reader', (t) => {
  const doc = parseDomainXml(`<domain><name>a&amp;b&#x41;</name><devices><!-- <hostdev type='mdev'/> --><hostdev type='mdev' model='vfio-pci'><source><![CDATA[<mdev type='x'/>]]><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev></devices></domain>`);
  t.is(doc.name, 'a&bA');
  t.is(doc.hostdevs.length, 1);
  t.is(doc.hostdevs[0].form, 'libvirt');
});
