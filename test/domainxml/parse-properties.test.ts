// Whatever it is given — arbitrary strings, arbitrary bytes, XML-shaped token soup, corpus files with
// bytes flipped, cut or spliced — the domain parser (as transform and as the hook run it), the UUID
// rewriter and the sysfs name checks either answer or throw our own error: exit 3 or 4, one line
// without control characters. A name the checks accept can never leave its directory.
// More runs: VIRT_MDEV_PROPERTY_RUNS=10000 npx ava dist/test/domainxml/parse-properties.test.js
import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { rewriteUuids } from '../../src/domainxml/rewrite-uuids.js';
import { parseNameArg } from '../../src/nodedev/names.js';
import { transformDomainXml } from '../../src/transform/transform.js';
import { ExitCode, isVirtMdevError } from '../../src/util/errors.js';
import { canonicalUuid, checkParentName, checkPoolName, checkTypeId, isUuid } from '../../src/util/validate.js';
import { decodeXmlDocument } from '../../src/util/xml-encoding.js';
import { checkProperty } from '../helpers/property.js';
import { corpusDomainFiles } from '../transform/domain-mutations.js';

const corpus = corpusDomainFiles().map((f) => fs.readFileSync(f));

/** Run f; anything thrown must be our error with one of `codes` and a one-line message. */
function onlyOurErrors<T>(f: () => T, codes: readonly number[]): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!isVirtMdevError(e)) throw new Error(`threw ${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e)}`);
    if (!codes.includes(e.exitCode)) throw new Error(`exit ${e.exitCode} (${e.reason}), expected one of ${codes.join(', ')}: ${e.message}`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(e.message) || e.message.length === 0) throw new Error(`not one printable line: ${JSON.stringify(e.message)}`);
    return undefined;
  }
}

const XML_CODES = [ExitCode.BAD_XML, ExitCode.BAD_VALUE];

/** Every way we read a domain document: transform's (libvirt's rules) and the hook's, and the UUID rewrite of migrate. */
function parseEveryWay(bytes: Uint8Array): void {
  const text = onlyOurErrors(() => decodeXmlDocument(bytes, 'f.xml'), [ExitCode.BAD_XML]);
  if (text === undefined) return;
  parseString(text);
}

function parseString(text: string): void {
  onlyOurErrors(() => parseDomainXml(text, 'f.xml'), XML_CODES);
  onlyOurErrors(() => parseDomainXml(text, 'f.xml', { libvirtRules: false }), XML_CODES);
  const t = onlyOurErrors(() => transformDomainXml(text, 'f.xml'), XML_CODES);
  if (t) onlyOurErrors(() => transformDomainXml(t.output, 'f.xml'), XML_CODES);
  const doc = onlyOurErrors(() => parseDomainXml(text, 'f.xml', { libvirtRules: false }), XML_CODES);
  if (doc) {
    const map = new Map(doc.hostdevs.filter((h) => h.uuid).map((h) => [h.uuid!, '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b']));
    onlyOurErrors(() => rewriteUuids(text, map, 'f.xml'), XML_CODES);
  }
}

const TOKENS = ['<domain>', "<domain type='kvm'>", '</domain>', '<name>', '</name>', '<uuid>', '</uuid>', '<devices>', '</devices>',
  "<hostdev mode='subsystem' type='mdev' managed='yes'", "managed='no'", "model='vfio-ap'", "display='on'", "ramfb='on'", '>', '/>', '</hostdev>',
  '<source>', '</source>', "<mdev type='mtty-2'", "<address uuid='", "<address type='pci'", "'", '"', '=', ' ',
  '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b', '<metadata>', '</metadata>', "<v:mdev xmlns:v='http://virt-mdev.org/xmlns/domain/1.0'>",
  '</v:mdev>', "<v:device uuid='0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b' type='x'/>", '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>',
  '<?pi x?>', '<!DOCTYPE d [<!ENTITY e "x">]>', '&e;', '&amp;', '&#0;', '&#x110000;', '&#xD800;', '\ufeff', '\u0000', '\r', '\n',
  '\ud800', 'xmlns=', "xmlns:virt-mdev='http://virt-mdev.org/xmlns/domain/1.0'", '<virt-mdev:device', 'pool=', 'parent=', '..', '/'];

const tokenSoup = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })), { maxLength: 60 }).map((a) => a.join(''));

/** a corpus file with a few bytes changed, inserted, removed, or cut short */
const damagedCorpus = fc.record({
  file: fc.nat(corpus.length - 1),
  edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'insert', 'delete', 'cut'), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 5 }),
}).map(({ file, edits }) => {
  let b = Buffer.from(corpus[file]!);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === 'flip') b[at] = e.byte;
    else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
    else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return new Uint8Array(b);
});

test('the domain parser, transform and the UUID rewrite never throw anything but our errors: arbitrary strings', (t) => {
  checkProperty(t, fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }), tokenSoup), parseString), 1000);
});

test('… arbitrary bytes and damaged corpus files, read under the one encoding rule', (t) => {
  checkProperty(t, fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), damagedCorpus), parseEveryWay), 600);
});

// ---- the sysfs name checks ----------------------------------------------------------------------

const nameLike = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 140 }),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019_.:+@-/ \u0000\n\\~'.split('')), maxLength: 140 }),
  fc.uuid().chain((u) => fc.constantFrom(u, u.toUpperCase(), u.replace(/-/g, ''), ` ${u} `, `{${u}}`, `urn:uuid:${u}`, u.slice(1), `${u}0`, `../${u}`)),
  fc.constantFrom('.', '..', '...', 'a..b', '/', 'mtty', '0000:00:02.0', 'pci_0000_00_02_0', 'nvidia-63', 'x'.repeat(128), 'x'.repeat(129), '\u0130', 'a\u0000b'),
);

/** what a name that becomes a path component must never be */
function pathSafe(s: string, max = 128): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && s.length <= max && !s.includes('/') && !s.includes('..') && s !== '.' && !/[\u0000-\u001f\u007f\s]/.test(s);
}

test('UUID, type id, parent and pool name checks: our error (exit 4, one line) or a name that stays in its directory', (t) => {
  checkProperty(t, fc.property(nameLike, (s) => {
    const u = onlyOurErrors(() => canonicalUuid(s), [ExitCode.BAD_VALUE]);
    if (u !== undefined) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(u)) throw new Error(`canonical UUID ${u}`);
      if (canonicalUuid(u) !== u || !isUuid(u)) throw new Error(`canonicalUuid is not idempotent on ${u}`);
    }
    for (const check of [checkTypeId, checkParentName, checkPoolName]) {
      const r = onlyOurErrors(() => check(s), [ExitCode.BAD_VALUE]);
      if (r !== undefined && (r !== s || !pathSafe(r))) throw new Error(`${check.name} accepted ${JSON.stringify(s)}`);
    }
    const q = onlyOurErrors(() => parseNameArg(s), [ExitCode.BAD_VALUE]);
    // a node-device name is only looked up among the host's devices, never joined into a path ('.' is just not found)
    if (q?.kind === 'name' && q.name !== '.' && !pathSafe(q.name, 200)) throw new Error(`parseNameArg accepted ${JSON.stringify(s)}`);
    if (q?.kind === 'uuid' && !isUuid(q.uuid)) throw new Error(`parseNameArg made ${q.uuid} of ${JSON.stringify(s)}`);
  }), 3000);
});
