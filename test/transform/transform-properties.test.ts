// Properties of `transform` over the whole domain corpus, mutated and rewritten in random styles:
// every document either gets one clean refusal (our error, exit 3 or 4, one line naming the file) or
// a transform that is idempotent and keeps every byte outside the mdev hostdevs and our metadata.
// Documents whose mutations keep their meaning must also keep their devices.
// More runs: VIRT_MDEV_PROPERTY_RUNS=10000 npx ava dist/test/transform/transform-properties.test.js
import test from 'ava';
import fc from 'fast-check';
import { parseDomainXmlWithLayout } from '../../src/domainxml/parse.js';
import { transformDomainXml, type TransformResult } from '../../src/transform/transform.js';
import { ExitCode, isVirtMdevError } from '../../src/util/errors.js';
import { decodeXmlDocument, utf8DocumentProblem } from '../../src/util/xml-encoding.js';
import { checkProperty } from '../helpers/property.js';
import { MEANING_KEEPING, cloneRoot, domainSeeds, encode, mutate, mutationArb, styleArb, writeDocument, type Mutation, type Seed, type Style } from './domain-mutations.js';

const FILE = 'prop.xml';
const seeds = domainSeeds();

type Outcome = { ok: true; result: TransformResult; text: string } | { ok: false; code: number; reason: string; message: string };

/** transform as the CLI runs it on FILE's bytes; anything but our error is re-thrown (the property fails) */
function transformBytes(bytes: Uint8Array): Outcome {
  try {
    const text = decodeXmlDocument(bytes, FILE);
    return { ok: true, result: transformDomainXml(text, FILE), text };
  } catch (e) {
    if (!isVirtMdevError(e)) throw e;
    return { ok: false, code: e.exitCode, reason: e.reason, message: e.message };
  }
}

/**
 * The text with every mdev hostdev replaced by a mark and our metadata element taken out (a <metadata>
 * left empty goes too, with the white space before it; inside one that stays, white space between its
 * nodes is not compared): what transform must never change.
 */
function outsideOurParts(text: string): string {
  const { layout } = parseDomainXmlWithLayout(text, FILE);
  const cuts: Array<{ start: number; end: number; text: string }> = layout.hostdevs.map((h) => ({ start: h.el.start, end: h.el.end, text: '\u0000hostdev' }));
  const md = layout.metadata;
  if (md) {
    let inner = md.selfClosing ? '' : text.slice(md.startTagEnd, md.endTagStart);
    if (layout.mdev) inner = inner.slice(0, layout.mdev.start - md.startTagEnd) + inner.slice(layout.mdev.end - md.startTagEnd);
    // the line our element stood on (or was put on) goes with it: white space between nodes is not compared here
    inner = inner.replace(/>\s+</g, '><').trim();
    if (inner === '') {
      let s = md.start;
      while (s > 0 && /\s/.test(text[s - 1]!)) s--;
      cuts.push({ start: s, end: md.end, text: '' });
    } else {
      cuts.push({ start: md.start, end: md.end, text: `<${md.qname}>${inner}</${md.qname}>` });
    }
  }
  cuts.sort((a, b) => b.start - a.start);
  let out = text;
  for (const c of cuts) out = out.slice(0, c.start) + c.text + out.slice(c.end);
  return out;
}

const devicesOf = (r: TransformResult): unknown => r.devices.map(({ line: _line, ...d }) => d);
const requests = (r: TransformResult): unknown => r.devices.map((d) => [d.uuid, d.managed, d.model, d.type, d.parent, d.pool]);

interface Case { seed: Seed; mutations: Mutation[]; style: Style }

const caseArb: fc.Arbitrary<Case> = fc.record({
  seed: fc.constantFrom(...seeds),
  mutations: fc.array(mutationArb, { maxLength: 4 }),
  style: styleArb,
});

function build(c: Case): Uint8Array {
  const root = cloneRoot(c.seed.root);
  for (const m of c.mutations) mutate(root, m);
  return encode(writeDocument({ root, before: c.seed.before }, c.style), c.style.encoding);
}

/** The property; throws (with what went wrong) when it does not hold. */
function holds(c: Case): void {
  const bytes = build(c);
  const out = transformBytes(bytes);
  if (!out.ok) {
    if (out.code !== ExitCode.BAD_XML && out.code !== ExitCode.BAD_VALUE) throw new Error(`refused with exit ${out.code}, not 3 or 4: ${out.message}`);
    if (/[\n\r]/.test(out.message) || !out.message.startsWith(`${FILE}:`)) throw new Error(`refusal is not one line naming the file: ${JSON.stringify(out.message)}`);
    return;
  }
  if (utf8DocumentProblem(bytes)) throw new Error('bytes that are not UTF-8 were accepted');
  const { result, text } = out;
  if (result.changed !== (result.output !== text)) throw new Error('changed does not say whether the output differs');
  const again = transformDomainXml(result.output, FILE);
  if (again.output !== result.output || again.changed) {
    throw new Error(`not idempotent:\n--- once\n${result.output}\n--- twice\n${again.output}`);
  }
  // the second run sees libvirt's form with the UUIDs the first one gave: the same devices
  if (JSON.stringify(requests(again)) !== JSON.stringify(requests(result))) {
    throw new Error(`the output names other devices: ${JSON.stringify(requests(result))} then ${JSON.stringify(requests(again))}`);
  }
  const before = outsideOurParts(text);
  const after = outsideOurParts(result.output);
  if (before !== after) throw new Error(`bytes outside hostdev and metadata changed:\n--- input\n${before}\n--- output\n${after}`);
  if (text.startsWith('\ufeff') !== result.output.startsWith('\ufeff')) throw new Error('the byte-order mark was not kept');
}

test(`the corpus has domain documents to mutate (${seeds.length})`, (t) => {
  t.true(seeds.length >= 30);
});

test('mutated corpus documents: a clean refusal, or a transform that is idempotent and keeps every byte outside hostdev and our metadata', (t) => {
  checkProperty(t, fc.property(caseArb, (c) => { holds(c); }), 300);
});

test('style-only rewrites (attribute order, quoting, spacing, comments, CDATA, line endings, prolog, BOM) keep what a document means', (t) => {
  const arb = fc.record({
    seed: fc.constantFrom(...seeds),
    mutations: fc.array(mutationArb.filter((m) => MEANING_KEEPING.has(m.op)), { maxLength: 2 }),
    style: styleArb.map((s) => ({ ...s, encoding: 'utf-8' as const })),
  });
  checkProperty(t, fc.property(arb, (c) => {
    holds(c);
    const original = transformBytes(encode(writeDocument({ root: c.seed.root, before: c.seed.before }, { ...c.style, comments: 0, shuffle: false, whitespace: 'keep', quote: 'single', empty: 'self', bom: false, decl: '' }), 'utf-8'));
    const mutated = transformBytes(build(c));
    if (original.ok !== mutated.ok) {
      throw new Error(`accepted ${original.ok ? 'before' : 'after'} the rewrite only: ${original.ok ? '' : original.message}${mutated.ok ? '' : mutated.message}`);
    }
    if (original.ok && mutated.ok && JSON.stringify(devicesOf(original.result)) !== JSON.stringify(devicesOf(mutated.result))) {
      throw new Error(`other devices after the rewrite:\n${JSON.stringify(devicesOf(original.result))}\n${JSON.stringify(devicesOf(mutated.result))}`);
    }
    if (!original.ok && !mutated.ok && (original.code !== mutated.code || original.reason !== mutated.reason)) {
      throw new Error(`another refusal after the rewrite: ${original.message} / ${mutated.message}`);
    }
  }), 200);
});

test('ISO-8859-1 bytes are refused with exit 3 naming line and column, whatever the declaration says (one rule: UTF-8)', (t) => {
  const arb = fc.record({ seed: fc.constantFrom(...seeds), style: styleArb, text: fc.constantFrom('Grüße', 'é', 'ÿ') });
  checkProperty(t, fc.property(arb, ({ seed, style, text }) => {
    const root = cloneRoot(seed.root);
    mutate(root, { op: 'non-ascii', text, where: 'description' });
    const out = transformBytes(encode(writeDocument({ root, before: seed.before }, style), 'latin1'));
    if (out.ok || out.code !== ExitCode.BAD_XML || out.reason !== 'not-utf8' || !/^prop\.xml:\d+:\d+: /.test(out.message)) {
      throw new Error(`not refused as non-UTF-8: ${out.ok ? 'accepted' : out.message}`);
    }
  }), 100);
});

test('regression (found by the properties): a <uuid> or <name> written as CDATA is the domain\'s UUID or name, as libvirt reads it', (t) => {
  const doc = (uuid: string, name: string): string => `<domain type='kvm'><name>${name}</name><uuid>${uuid}</uuid><devices>`
    + "<hostdev mode='subsystem' type='mdev' managed='yes'><source><mdev type='mtty-2'/></source></hostdev></devices></domain>";
  const plain = transformDomainXml(doc('9a0b1c2d-3e4f-4a5b-9c7d-8e9f0a1b2c3d', 'vm'), FILE);
  const cdata = transformDomainXml(doc('<![CDATA[9a0b1c2d-3e4f-4a5b-9c7d-8e9f0a1b2c3d]]>', '<![CDATA[v]]>m'), FILE);
  t.is(cdata.domain.uuid, '9a0b1c2d-3e4f-4a5b-9c7d-8e9f0a1b2c3d');
  t.is(cdata.domain.name, 'vm');
  t.is(cdata.devices[0]!.uuid, plain.devices[0]!.uuid, 'the generated mdev UUID derives from the same domain UUID');
  t.deepEqual(cdata.warnings, []);
});
