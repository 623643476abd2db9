// A fast fingerprint of bytes (16 hex digits), for telling whether a cache file is damaged and
// whether what it was made from has changed. Not a defence against forgery: a cache file is trusted only by who
// owns it (./cache-dir.ts). Where Node has zlib's CRC-32 (Node ≥ 20.15, 22.2) the fingerprint is that
// CRC and the length, gzip's own integrity check: native and four times the speed of the plain
// JavaScript below, which a one-file `validate` runs cold over 4 MB (the wasm module, the compiled
// schemas, every schema file), ~4 ms of its run. Elsewhere it is the plain JavaScript (loading
// node:crypto for sha256 costs more, about 3 ms, than all its hashing). The two give different
// values for the same bytes: fingerprintKind() names the one in use, for keys that must not mix them.
import * as zlib from 'node:zlib';
import { crc32Binding } from './node-bindings.js';

type Crc32 = (data: Uint8Array) => number;

let crc32: Crc32 | null | undefined;

/**
 * zlib's CRC-32 when this Node has it, looked up on first use: through zlib's binding where
 * ./node-bindings.ts reaches it (node:zlib loads Node's stream modules, ~1.5 ms of a one-file
 * validate), else node:zlib's (which the CommonJS bundles load lazily)
 */
function nativeCrc32(): Crc32 | null {
  // null (no CRC-32 on this Node) is an answer too: looked up once
  if (crc32 === undefined) crc32 = crc32Binding() ?? publicCrc32();
  return crc32;
}

/** node:zlib's crc32 (Node ≥ 20.15, 22.2), read only when the binding does not serve: reading it loads node:zlib */
function publicCrc32(): Crc32 | null {
  const pub = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  return pub ? (d) => pub(d) >>> 0 : null;
}

/** which of the two fingerprints this process computes */
export function fingerprintKind(): 'crc32' | 'js64' {
  return nativeCrc32() ? 'crc32' : 'js64';
}

/**
 * 16 hex digits. CRC-32 catches every change confined to 32 consecutive bits and every two-bit
 * change; the plain one changes whenever a change is confined to one word (see below).
 */
export function fingerprint(data: Uint8Array): string {
  const crc = nativeCrc32();
  return crc ? hex8(crc(data)) + hex8(data.byteLength >>> 0) : plainFingerprint(data);
}

const LANE_A = 0x9e3779b1;
const LANE_B = 0x85ebca77;

/**
 * It reads the bytes as native-endian 32-bit words, so it holds on the machine that made it only, as
 * the caches it guards do (their keys name the architecture). Each word goes through two independent
 * multiplicative lanes; as each step is a bijection of the lane's state, a change confined to one
 * word always changes the result.
 */
export function plainFingerprint(data: Uint8Array): string {
  // a Uint32Array view needs an aligned start (a Buffer of a few KiB is a slice of Node's pool)
  const bytes = data.byteOffset % 4 === 0 ? data : Uint8Array.prototype.slice.call(data);
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let a = LANE_A ^ bytes.byteLength;
  let b = LANE_B ^ bytes.byteLength;
  // every value stays an int32 (the `| 0`): a sum past 2^31 would make V8 box it, 3× slower
  for (let i = 0, n = words.length; i < n; i++) {
    const w = words[i]!;
    a = Math.imul(a ^ w, 0x01000193);
    const x = b ^ w;
    b = (Math.imul((x << 13) | (x >>> 19), 0xc2b2ae35) + 0x27d4eb2f) | 0;
  }
  for (let i = words.length * 4; i < bytes.byteLength; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193);
    b = Math.imul(b ^ bytes[i]!, 0xc2b2ae35);
  }
  return hex8(mix(a)) + hex8(mix(b));
}

/** murmur3's finaliser, a bijection: every input bit reaches every output bit */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
