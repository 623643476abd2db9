// Refuses a DOCTYPE before libxml2 sees the text. A DOCTYPE is where entity declarations live
// (billion laughs, external entities); libvirt never writes one and virt-mdev never expands entities,
// so any DOCTYPE is refused outright rather than parsed "safely".
import { lineColAt } from './position.js';

export interface PrologProblem {
  line: number;
  col: number;
  message: string;
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
