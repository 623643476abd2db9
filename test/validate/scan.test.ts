// The scan that gives findings their true line and column (src/validate/scan.ts) and its line cursor.
import test from 'ava';
import fc from 'fast-check';
import { LineCursor, lineColAt } from '../../src/validate/position.js';
import { scanDocument, walk } from '../../src/validate/scan.js';

test('the line cursor answers as lineColAt, for offsets in any order', (t) => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '\n', '\r', ' ') }), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (text, raw, sorted) => {
    const offsets = raw.map((o) => o % (text.length + 1));
    if (sorted) offsets.sort((a, b) => a - b);
    const cursor = new LineCursor(text);
    return offsets.every((o) => {
      const got = cursor.at(o);
      const want = lineColAt(text, o);
      return got.line === want.line && got.col === want.col;
    });
  }));
  t.pass();
});

test('namespaces: an element is in the namespace its prefix has where it is, declared on it or above it', (t) => {
  const root = scanDocument(`<domain xmlns:a='urn:a'>
  <x:e xmlns:x='urn:x' b='1'><x:f/></x:e>
  <a:g><h xmlns='urn:d'><i/></h><j/></a:g>
  <k a:at='&amp;&#x41;&#10;v	w'/>
</domain>`)!;
  const byName = new Map(walk(root).map((e) => [e.name, e]));
  t.deepEqual(['domain', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((n) => byName.get(n)!.ns), ['', 'urn:x', 'urn:x', 'urn:a', 'urn:d', 'urn:d', '', '']);
  const at = byName.get('k')!.attrs[0]!;
  // a written tab is normalised to a space, a referenced newline is kept (XML 1.0 §3.3.3)
  t.is(at.value, '&A\nv w');
  t.deepEqual([at.line, at.col, at.vline, at.vcol], [4, 6, 4, 12]);
  t.deepEqual([byName.get('i')!.line, byName.get('i')!.col], [3, 25]);
});
