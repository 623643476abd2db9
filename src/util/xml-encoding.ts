// The one rule for the bytes of an XML document we are given (transform, validate, nodedev-create,
// pool-define): it is UTF-8, whatever encoding= its XML declaration names. That is how libvirt 9
// reads domain XML; `virsh -c test:///default define` shows it: under encoding='ISO-8859-1',
// ISO-8859-1 bytes are refused ("Input is not proper UTF-8, indicate encoding !") and UTF-8 bytes
// are read as UTF-8; declarations of UTF-16 or IBM037 on ASCII text change nothing either.
// So a document is accepted exactly when its bytes are UTF-8, and read as UTF-8.
import { ExitCode, VirtMdevError } from './errors.js';

export interface EncodingProblem {
  line: number;
  col: number;
  message: string;
}


/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function firstBadUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1]!;
    // overlong forms, UTF-16 surrogates, past U+10FFFF
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

/** 1-based line and byte column of a byte offset (lines end at LF). */
function lineColOfByte(b: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = b.indexOf(0x0a); i >= 0 && i < offset; i = b.indexOf(0x0a, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** What keeps these bytes from being read as a UTF-8 document, or undefined. */
export function utf8DocumentProblem(data: Uint8Array): EncodingProblem | undefined {
  const bom16 = data.length >= 2 && ((data[0] === 0xfe && data[1] === 0xff) || (data[0] === 0xff && data[1] === 0xfe));
  // a NUL is never valid XML: it also catches UTF-16 without a byte-order mark, and UCS-4
  if (bom16 || data.indexOf(0) >= 0) {
    return { line: 1, col: 1, message: 'the document is not UTF-8 (UTF-16 or UCS-4?): libvirt reads XML as UTF-8 only; convert it (iconv -t UTF-8)' };
  }
  const bad = firstBadUtf8(data);
  if (bad < 0) return undefined;
  const hex = `0x${data[bad]!.toString(16).toUpperCase().padStart(2, '0')}`;
  return {
    ...lineColOfByte(data, bad),
    message: `the document is not valid UTF-8 (byte ${hex}): libvirt reads XML as UTF-8 whatever encoding= says; convert it (e.g. iconv -f ISO-8859-1 -t UTF-8)`,
  };
}

/**
 * The text of a document under the rule above; a byte-order mark is kept (transform gives back every
 * byte it does not change). Throws BAD_XML 'not-utf8' as `name:line:col: message`.
 */
export function decodeXmlDocument(data: Uint8Array, name: string): string {
  try {
    if (data.indexOf(0) < 0) return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch { /* located below */ }
  const p = utf8DocumentProblem(data) ?? { line: 1, col: 1, message: 'the document is not valid UTF-8' };
  throw new VirtMdevError(ExitCode.BAD_XML, 'not-utf8', `${name}:${p.line}:${p.col}: ${p.message}`);
}
