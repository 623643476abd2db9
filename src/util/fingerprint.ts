// A fast 64-bit fingerprint of bytes, for telling whether a cache file is damaged and whether what
// it was made from has changed, in plain JavaScript: loading node:crypto for sha256 costs a one-file
// `validate` more (about 3 ms) than all its hashing. Not a defence against forgery: a cache file is
// trusted only by who owns it (./cache-dir.ts). It reads the bytes as native-endian 32-bit words, so
// a fingerprint holds on the machine that made it only, as the caches it guards do (their keys name
// the architecture).

const LANE_A = 0x9e3779b1;
const LANE_B = 0x85ebca77;

/**
 * 16 hex digits. Each word goes through two independent multiplicative lanes; as each step is a
 * bijection of the lane's state, a change confined to one word always changes the result.
 */
export function fingerprint(data: Uint8Array): string {
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
