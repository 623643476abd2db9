// The hook's migrate/restore filter: only the UUID values change, every other byte stays.
import test from 'ava';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { rewriteUuids } from '../../src/domainxml/rewrite-uuids.js';
import { readCorpus } from './corpus.js';

test('rewriteUuids changes the hostdev source UUID and our metadata entry, nothing else', (t) => {
  const text = readCorpus('virsh-dumpxml-running-managed-metadata-reemitted.xml');
  const from = '1b2c3d4e-5f6a-5b7c-9d8e-9f0a1b2c3d4e';
  const to = 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE';
  const out = rewriteUuids(text, new Map([[from.toUpperCase(), to]]));
  t.is(out.length, text.length);
  t.is(out.split(from).length - 1, 0);
  t.is(out.split(to.toLowerCase()).length - 1, 2);
  t.is(out.replaceAll(to.toLowerCase(), from), text);
  const doc = parseDomainXml(out);
  t.is(doc.hostdevs[0].uuid, to.toLowerCase());
  t.true(doc.hostdevs[0].managed);
  t.deepEqual(doc.hostdevs[0].request, { type: 'mtty-1', parent: 'mtty' });
});

test('rewriteUuids leaves other text that merely contains the UUID alone', (t) => {
  const u = 'c2177883-f1bb-47f0-914d-32a22e3a8804';
  const text = `<domain>\r\n<name>x</name><description>${u}</description><!-- ${u} -->\r\n<devices><hostdev mode="subsystem" type="mdev" model="vfio-pci"><source><address uuid="${u}"/></source></hostdev>` +
    `<disk><serial>${u}</serial></disk></devices></domain>`;
  const v = '00000000-0000-4000-8000-000000000001';
  const out = rewriteUuids(text, new Map([[u, v]]));
  t.is(out, text.replace(`uuid="${u}"`, `uuid="${v}"`));
});

test('rewriteUuids with an empty map or unknown UUIDs returns the same text', (t) => {
  const text = readCorpus('every-form-in-one-domain.xml');
  t.is(rewriteUuids(text, new Map()), text);
  t.is(rewriteUuids(text, new Map([['99999999-2222-4333-8444-555555555501', '11111111-2222-4333-8444-555555555599']])), text);
});
