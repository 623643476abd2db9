// Deterministic UUIDs for managed devices written without one: the same domain and the same place
// give the same UUID, so running transform twice gives the same bytes.
import { createHash } from 'node:crypto';

/** the bytes of the namespace used last: a transform derives every UUID of a domain in one namespace */
let lastNamespace: { text: string; bytes: Buffer } | undefined;

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  if (lastNamespace?.text !== namespace) lastNamespace = { text: namespace, bytes: Buffer.from(namespace.replace(/-/g, ''), 'hex') };
  const h = createHash('sha1').update(lastNamespace.bytes).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  return uuidText(h);
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** where each of the 16 bytes' two hex digits go in 8-4-4-4-12 form */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
/** the text of a UUID is spelled here, then made one string (not a string per group and per join) */
const spelled = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

/** the canonical text of the first 16 bytes of `b` */
function uuidText(b: Buffer): string {
  for (let i = 0; i < 16; i++) {
    spelled[DIGITS_AT[i]] = HEX[b[i] >> 4];
    spelled[DIGITS_AT[i] + 1] = HEX[b[i] & 0x0f];
  }
  return spelled.toString('latin1');
}

/** namespace for domains that have no <uuid>: derived from this fixed value and the domain name */
const NAME_NAMESPACE = '5c1d3f0e-8a47-5b2e-9d6f-7e0a1b2c3d4e';

/** UUID of the index-th mdev hostdev (0-based) of a domain, from its UUID, else from its name. */
export function deriveMdevUuid(domain: { uuid?: string; name?: string }, index: number): string {
  const ns = domain.uuid ?? uuidV5(NAME_NAMESPACE, `domain-name:${domain.name ?? ''}`);
  return uuidV5(ns, `virt-mdev:hostdev:${index}`);
}
