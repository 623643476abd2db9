// Refuses a DOCTYPE before libxml2 sees the text. A DOCTYPE is where entity declarations live
// (billion laughs, external entities); libvirt never writes one and virt-mdev never expands entities,
// so any DOCTYPE is refused outright rather than parsed "safely".
import { lineColAt } from './position.js';

export interface PrologProblem {
  line: number;
  col: number;
  message: string;
}

/**
 * The prolog check reads the bytes as UTF-8, but libxml2 also decodes UTF-16 (with or without a BOM):
 * such a document would carry its DOCTYPE past checkProlog. libvirt reads domain XML as UTF-8 only
 * (a NUL byte ends its string), so anything else is refused up front. A NUL byte is never valid XML
 * in UTF-8, so it also catches BOM-less UTF-16 and UCS-4.
 */
export function checkEncoding(data: Uint8Array): PrologProblem | undefined {
  const bom16 = data.length >= 2 && ((data[0] === 0xfe && data[1] === 0xff) || (data[0] === 0xff && data[1] === 0xfe));
  if (!bom16 && data.indexOf(0) < 0) return undefined;
  return {
    line: 1,
    col: 1,
    message: 'the document is not UTF-8 (UTF-16 or UCS-4?): libvirt reads XML as UTF-8 only; convert it (iconv -t UTF-8)',
  };
}

/** Walks the prolog (XML declaration, comments, PIs, whitespace) up to the root element. */
export function checkProlog(text: string): PrologProblem | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return undefined; // malformed: libxml2 will say where
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return undefined;
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      const { line, col } = lineColAt(text, i);
      const what = /^<!DOCTYPE/i.test(text.slice(i, i + 9)) ? 'DOCTYPE' : 'markup declaration';
      return {
        line,
        col,
        message: `${what} is not allowed: virt-mdev never reads DTDs or expands entities; remove the <!DOCTYPE …> (libvirt never writes one)`,
      };
    } else {
      return undefined;
    }
  }
}
