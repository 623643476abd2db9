// The fingerprint that guards the compiled-schema cache (src/util/fingerprint.ts): the same bytes give
// the same value wherever they lie in memory, and damage to any one word or byte always shows.
import test from 'ava';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { fingerprint, fingerprintKind, plainFingerprint } from '../../src/util/fingerprint.js';

test('the same bytes at any alignment give the same 16 hex digits; length counts', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 7 }), (bytes, shift) => {
    const placed = new Uint8Array(bytes.length + shift);
    placed.set(bytes, shift);
    const f = fingerprint(bytes);
    return /^[0-9a-f]{16}$/.test(f) && fingerprint(placed.subarray(shift)) === f;
  }));
  t.not(fingerprint(new Uint8Array(8)), fingerprint(new Uint8Array(9)));
  t.not(fingerprint(new Uint8Array(0)), fingerprint(new Uint8Array(1)));
});

test('a change to any one byte changes the fingerprint (also the bit patterns that cancel in a plain xor-multiply)', (t) => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
    const i = at % bytes.length;
    const changed = bytes.slice();
    changed[i] = changed[i]! ^ flip;
    return fingerprint(changed) !== fingerprint(bytes);
  }));
  // the top bit of two words flipped: a multiply carries nothing downwards
  const a = new Uint8Array(64);
  const b = a.slice();
  b[3] = 0x80;
  b[11] = 0x80;
  t.not(fingerprint(b), fingerprint(a));
});

test('the plain fingerprint (Node without zlib.crc32) has the same properties', (t) => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 7 }), fc.nat(), fc.integer({ min: 1, max: 255 }),
    (bytes, shift, at, flip) => {
      const placed = new Uint8Array(bytes.length + shift);
      placed.set(bytes, shift);
      const changed = bytes.slice();
      changed[at % bytes.length] = changed[at % bytes.length]! ^ flip;
      const f = plainFingerprint(bytes);
      return /^[0-9a-f]{16}$/.test(f) && plainFingerprint(placed.subarray(shift)) === f && plainFingerprint(changed) !== f;
    }));
  t.not(plainFingerprint(new Uint8Array(8)), plainFingerprint(new Uint8Array(9)));
});

test('the kind in use is zlib\'s CRC-32 exactly when this Node has it', (t) => {
  const crc32 = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  t.is(fingerprintKind(), crc32 ? 'crc32' : 'js64');
  const bytes = new TextEncoder().encode('virt-mdev');
  t.is(fingerprint(bytes), crc32 ? crc32(bytes).toString(16).padStart(8, '0') + '00000009' : plainFingerprint(bytes));
});
