// Small configuration documents (a pool definition) read into a tree with the position of every
// element. The input is untrusted: bounded size, no DOCTYPE (so no entity declarations), no
// processing instructions, and every problem reported as file:line:col like libxml2 and editors.
// Only saxes and Node built-ins: the libvirt hook may load this.
import { newSaxesParser } from './fast-saxes.js';
import { ExitCode, VirtMdevError, type ExitCodeValue } from './errors.js';
import { printable } from './validate.js';
import { xmlShapeProblem } from './xml-limits.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** character data directly inside this element (children's text excluded) */
  text: string;
  children: XmlElement[];
  /** 1-based position of the '<' of the start tag */
  line: number;
  col: number;
}

/** `file:line:col` of an element */
export function where(file: string, el: Pick<XmlElement, 'line' | 'col'>): string {
  return `${file}:${el.line}:${el.col}`;
}

/** An error about an element, positioned at its start tag. */
export function elementError(file: string, el: XmlElement, message: string, code: ExitCodeValue = ExitCode.BAD_XML, reason = 'bad-xml'): VirtMdevError {
  return new VirtMdevError(code, reason, `${where(file, el)}: ${message}`);
}

/** Run a value check and put the element's position in front of its message. */
export function atElement<T>(file: string, el: XmlElement, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof VirtMdevError) throw new VirtMdevError(e.exitCode, e.reason, `${where(file, el)}: ${e.message}`, { details: e.details });
    throw e;
  }
}

/**
 * Parse a whole document into its root element. `what` names the kind of document in messages
 * ("pool definition"). Throws BAD_XML for anything that is not plain, well-formed, bounded XML.
 */
export function parseSmallXml(text: string, file: string, what: string, maxBytes: number): XmlElement {
  const name = printable(file, 200);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'xml-too-large', `${name}: larger than ${maxBytes} bytes; a ${what} is a few hundred bytes, check the file`);
  }
  const parser = newSaxesParser({ xmlns: false, position: true });
  const here = (): string => `${name}:${parser.line}:${parser.column + 1}`;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let tagLine = 1, tagCol = 1;
  const fail = (message: string, reason = 'bad-xml'): never => {
    throw new VirtMdevError(ExitCode.BAD_XML, reason, `${here()}: ${message}`);
  };
  parser.on('error', (e) => {
    // saxes prefixes its own 0-based position; ours is 1-based
    const msg = e.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    const hint = /undefined entity/.test(msg) ? ': only &lt; &gt; &amp; &apos; &quot; and character references (&#60;) are accepted' : '';
    fail(`malformed XML: ${msg}${hint}`);
  });
  parser.on('doctype', () => fail('DOCTYPE and entity declarations are not accepted: remove the <!DOCTYPE …> line', 'xml-doctype'));
  parser.on('processinginstruction', (pi) => fail(`processing instruction <?${printable(pi.target, 40)}…?> is not accepted in a ${what}`));
  let elements = 0;
  parser.on('opentagstart', (tag) => {
    // tag names never span lines: the '<' is the name's length (plus the '<') columns back
    tagLine = parser.line;
    tagCol = Math.max(1, parser.column - tag.name.length - 1);
    const shape = xmlShapeProblem(stack.length + 1, ++elements);
    if (shape) throw new VirtMdevError(ExitCode.BAD_XML, shape.reason, `${name}:${tagLine}:${tagCol}: <${printable(tag.name, 40)}>: ${shape.message}`);
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attrs: { ...tag.attributes } as Record<string, string>, text: '', children: [], line: tagLine, col: tagCol };
    const top = stack[stack.length - 1];
    if (top) top.children.push(el);
    else root = el;
    stack.push(el);
  });
  const addText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => { stack.pop(); });
  parser.write(text).close();
  if (!root) throw new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${name}: no root element: not a ${what}`);
  return root;
}
