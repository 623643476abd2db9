// PlannedEdits keeps transform's edits as numbers and joins the output in chunks: whatever the edits,
// the text, and where the metadata edit falls among them, the output must be exactly what applying
// the same edits as strings gives.
import test from 'ava';
import fc from 'fast-check';
import { applyEdits, type Edit } from '../../src/domainxml/edits.js';
import { PlannedEdits, addressText } from '../../src/transform/planned-edits.js';
import { checkProperty } from '../helpers/property.js';

const UUIDS = ['0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b', '11111111-2222-4333-8444-555555555555'];

type Planned = { kind: 'text'; text: string } | { kind: 'address'; device: number; quote: string };

const plannedArb: fc.Arbitrary<Planned> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.constantFrom('mdev', " model='vfio-pci'", ' model="vfio-ap"', '') }),
  fc.record({ kind: fc.constant('address' as const), device: fc.nat({ max: UUIDS.length - 1 }), quote: fc.constantFrom("'", '"') }),
);

/** a text (long enough, now and then, to need several chunks), sorted cut points, and edits for them */
const caseArb = fc.record({
  text: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.repeat(4000))),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
  planned: fc.array(plannedArb, { minLength: 40, maxLength: 40 }),
  extraAt: fc.double({ min: 0, max: 1, noNaN: true }),
  extraPieces: fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }),
  withExtra: fc.boolean(),
});

test('joining planned edits gives what applying them as strings gives, the extra edit wherever it falls', (t) => {
  checkProperty(t, fc.property(caseArb, (c) => {
    const points = c.cuts.map((x) => Math.floor(x * c.text.length)).sort((a, b) => a - b);
    // pairs of points are edits; an extra point between two edits becomes the metadata edit
    const extraPoint = Math.floor(c.extraAt * c.text.length);
    const plan = new PlannedEdits();
    const strings: Edit[] = [];
    let extra: { start: number; end: number; pieces: string[] } | undefined;
    let lastEnd = 0;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const [start, end] = [points[i], points[i + 1]];
      if (c.withExtra && !extra && extraPoint >= lastEnd && extraPoint <= start) {
        extra = { start: extraPoint, end: extraPoint, pieces: c.extraPieces };
        strings.push({ start: extraPoint, end: extraPoint, text: c.extraPieces.join('') });
      }
      const p = c.planned[i / 2];
      if (p.kind === 'text') plan.replace(start, end, p.text);
      else plan.address(start, end, p.device, p.quote);
      strings.push({ start, end, text: p.kind === 'text' ? p.text : addressText(UUIDS[p.device], p.quote) });
      lastEnd = end;
    }
    if (c.withExtra && !extra && extraPoint >= lastEnd) {
      extra = { start: extraPoint, end: c.text.length, pieces: c.extraPieces };
      strings.push({ start: extraPoint, end: c.text.length, text: c.extraPieces.join('') });
    }
    return plan.join(c.text, (d) => UUIDS[d], extra) === applyEdits(c.text, strings);
  }), 300);
});

test('an edit planned before the end of the one before it is refused, not joined into a wrong text', (t) => {
  const plan = new PlannedEdits();
  plan.replace(10, 20, 'x');
  t.throws(() => plan.replace(15, 25, 'y'), { message: /out of document order/ });
  const q = new PlannedEdits();
  q.replace(1, 3, 'z');
  t.throws(() => q.join('abcd', () => UUIDS[0], { start: 2, end: 2, pieces: ['!'] }), { message: /overlapping edits/ });
});

test('an <address> edit spells the UUID of the device it names, in the quote it was given', (t) => {
  const plan = new PlannedEdits();
  plan.address(0, 4, 1, '"');
  plan.address(5, 9, 0, "'");
  t.is(plan.join('<a/> <b/>', (d) => UUIDS[d]),
    `<address uuid="${UUIDS[1]}"/> <address uuid='${UUIDS[0]}'/>`);
});
