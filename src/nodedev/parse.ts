// Reads libvirt's node-device XML for nodedev-create. The input is untrusted: no DOCTYPE, no entity
// declarations or unknown entities, bounded size, and every problem reported as file:line:col.
// What `nodedev-dumpxml` prints for an mdev is accepted as input too (name, path, driver,
// iommuGroup are ignored), so a dumped device can be re-created from its own XML.
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import { newSaxesParser } from '../util/fast-saxes.js';
import { readFileBounded, type BoundedRead } from '../util/bounded-read.js';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
import { canonicalUuid, checkParentName, checkTypeId, printable } from '../util/validate.js';
import { decodeXmlDocument } from '../util/xml-encoding.js';
import { xmlShapeProblem } from '../util/xml-limits.js';

export const MAX_XML_BYTES = 1024 * 1024;

export interface MdevCreateRequest {
  /** what <parent> said: a nodedev name or a parent address; absent when only <parent_addr> was given */
  parent?: string;
  /** <parent_addr>, if present */
  parentAddr?: string;
  typeId: string;
  /** canonical, when the document gave one */
  uuid?: string;
  attrs: { name: string; value: string }[];
}

/** Read an input document of at most `max` bytes; a bigger one (or an endless special file) is BAD_XML. */
export function readBoundedFile(file: string, max = MAX_XML_BYTES, kind = 'a node-device document'): string {
  let r: BoundedRead;
  try {
    r = readFileBounded(file, max);
  } catch (e) {
    throw new VirtMdevError(ExitCode.USAGE, 'unreadable-input',
      `cannot read '${printable(file)}': ${errnoCode(e) === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
  if (r.ok) return decodeXmlDocument(r.data, printable(file));
  if (r.why === 'directory') {
    throw new VirtMdevError(ExitCode.USAGE, 'unreadable-input', `cannot read '${printable(file)}': it is a directory, give an XML file`);
  }
  throw new VirtMdevError(ExitCode.BAD_XML, 'xml-too-large',
    `${printable(file)}: larger than ${max} bytes; ${kind} is a few hundred bytes, check the file`);
}

interface Ctx { file: string; parser: SaxesParser }

type Code = typeof ExitCode[keyof typeof ExitCode];

/** an error at the parser's current position (1-based column like libxml2 and editors) */
function xmlError(ctx: Ctx, message: string, reason = 'bad-xml', code: Code = ExitCode.BAD_XML): VirtMdevError {
  return new VirtMdevError(code, reason, `${ctx.file}:${ctx.parser.line}:${ctx.parser.column + 1}: ${message}`);
}

interface Elem { name: string; attrs: Record<string, string>; text: string; line: number; col: number }

const TOP_IGNORED = new Set(['name', 'path', 'devnode', 'driver']);
const CAP_IGNORED = new Set(['iommuGroup']);

/**
 * Parse the document. Structure errors are BAD_XML with the position; values (UUID, type id) are
 * checked here too so that nothing path-like ever reaches the host.
 */
export function parseMdevCreateXml(text: string, file: string): MdevCreateRequest {
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'xml-too-large', `${printable(file)}: larger than ${MAX_XML_BYTES} bytes`);
  }
  const parser = newSaxesParser({ xmlns: false, position: true });
  const ctx: Ctx = { file: printable(file, 200), parser };
  const stack: Elem[] = [];
  let capDepth = -1;          // stack depth of the <capability type='mdev'> being read
  let sawMdevCap = false;
  let parent: { value: string; line: number; col: number } | undefined;
  let parentAddr: { value: string; line: number; col: number } | undefined;
  let typeId: { value: string; line: number; col: number } | undefined;
  let uuid: { value: string; line: number; col: number } | undefined;
  const attrs: { name: string; value: string; line: number; col: number }[] = [];
  let failure: VirtMdevError | undefined;

  const fail = (e: VirtMdevError): never => { throw e; };
  const elError = (el: Elem, message: string, reason = 'bad-xml', code: Code = ExitCode.BAD_XML): VirtMdevError =>
    new VirtMdevError(code, reason, `${ctx.file}:${el.line}:${el.col}: ${message}`);

  parser.on('error', (e) => {
    // saxes prefixes its own 0-based position; ours is 1-based like libxml2 and editors
    const msg = e.message.replace(/^\d+:\d+: /, '');
    const hint = /undefined entity/.test(msg) ? ': only &lt; &gt; &amp; &apos; &quot; and character references (&#60;) are accepted' : '';
    fail(xmlError(ctx, `malformed XML: ${msg.replace(/\.$/, '')}${hint}`));
  });
  parser.on('doctype', () => fail(xmlError(ctx, 'DOCTYPE and entity declarations are not accepted: remove the <!DOCTYPE …> line', 'xml-doctype')));
  parser.on('processinginstruction', (pi) => {
    fail(xmlError(ctx, `processing instruction <?${printable(pi.target, 40)}…?> is not accepted in a node-device document`));
  });
  // where the current start tag's '<' is: tag names never span lines, so it is name-length (plus the delimiter saxes already read) columns back
  let tagLine = 1, tagCol = 1;
  let elements = 0;
  parser.on('opentagstart', (tag) => {
    tagLine = parser.line;
    tagCol = Math.max(1, parser.column - tag.name.length - 1);
    const shape = xmlShapeProblem(stack.length + 1, ++elements);
    if (shape) fail(new VirtMdevError(ExitCode.BAD_XML, shape.reason, `${ctx.file}:${tagLine}:${tagCol}: <${printable(tag.name, 40)}>: ${shape.message}`));
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const el: Elem = { name: tag.name, attrs: { ...tag.attributes } as Record<string, string>, text: '', line: tagLine, col: tagCol };
    const depth = stack.length;
    const parentEl = stack[depth - 1];
    if (depth === 0) {
      if (el.name !== 'device') fail(elError(el, `the root element is <${printable(el.name, 40)}>, expected <device> (libvirt node-device XML)`));
    } else if (depth === 1) {
      if (el.name === 'capability') {
        if (el.attrs.type !== 'mdev') {
          fail(elError(el, `<capability type='${printable(el.attrs.type ?? '', 40)}'> cannot be created: nodedev-create creates mediated devices, use <capability type='mdev'>`, 'bad-capability', ExitCode.BAD_VALUE));
        }
        if (sawMdevCap) fail(elError(el, `a second <capability type='mdev'>: give exactly one`));
        sawMdevCap = true;
        capDepth = depth;
      } else if (el.name !== 'parent' && !TOP_IGNORED.has(el.name)) {
        fail(elError(el, `unexpected element <${printable(el.name, 40)}> in <device>: expected <parent> and <capability type='mdev'>`));
      } else if (el.name === 'parent' && parent !== undefined) {
        fail(elError(el, 'a second <parent>: give exactly one'));
      } else if (el.name === 'parent' && Object.keys(el.attrs).length > 0) {
        fail(elError(el, `<parent> must name the parent node device as text (e.g. <parent>pci_0000_00_02_0</parent>), not by wwnn/wwpn attributes`, 'bad-parent', ExitCode.BAD_VALUE));
      }
    } else if (depth === capDepth + 1 && parentEl?.name === 'capability' && capDepth >= 0) {
      switch (el.name) {
        case 'type':
          if (typeId !== undefined) fail(elError(el, 'a second <type>: a device has exactly one mdev type'));
          if (el.attrs.id === undefined) fail(elError(el, `<type> has no id attribute: write <type id='mtty-2'/> with a type from 'virt-mdev nodedev-list --cap mdev_types'`));
          typeId = { value: el.attrs.id!, line: el.line, col: el.col };
          break;
        case 'uuid':
        case 'parent_addr':
          break;
        case 'attr':
          if (el.attrs.name === undefined || el.attrs.value === undefined) {
            fail(elError(el, `<attr> needs both name and value attributes, e.g. <attr name='assign_adapter' value='5'/>`));
          }
          attrs.push({ name: el.attrs.name!, value: el.attrs.value!, line: el.line, col: el.col });
          break;
        default:
          if (!CAP_IGNORED.has(el.name)) {
            fail(elError(el, `unexpected element <${printable(el.name, 40)}> in <capability type='mdev'>: expected <type id=…/>, <uuid>, <parent_addr>, <attr name=… value=…/>`));
          }
      }
    } else if (!(depth >= 2 && stack.some((s) => TOP_IGNORED.has(s.name) || CAP_IGNORED.has(s.name)))) {
      fail(elError(el, `unexpected element <${printable(el.name, 40)}> inside <${printable(parentEl?.name ?? '', 40)}>`));
    }
    stack.push(el);
  });
  parser.on('text', (t) => { const top = stack[stack.length - 1]; if (top) top.text += t; });
  parser.on('cdata', (t) => { const top = stack[stack.length - 1]; if (top) top.text += t; });
  parser.on('closetag', () => {
    const el = stack.pop()!;
    const depth = stack.length;
    if (depth === 1 && el.name === 'parent') parent = { value: el.text.trim(), line: el.line, col: el.col };
    if (depth === capDepth + 1 && capDepth >= 0) {
      if (el.name === 'uuid') {
        if (uuid !== undefined) fail(elError(el, 'a second <uuid>: give at most one'));
        uuid = { value: el.text.trim(), line: el.line, col: el.col };
      }
      if (el.name === 'parent_addr') {
        if (parentAddr !== undefined) fail(elError(el, 'a second <parent_addr>: give at most one'));
        parentAddr = { value: el.text.trim(), line: el.line, col: el.col };
      }
    }
    if (depth === capDepth) capDepth = -1;
  });

  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof VirtMdevError) failure = e;
    else throw e;
  }
  if (failure) throw failure;

  if (!sawMdevCap) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${ctx.file}: no <capability type='mdev'>: add <capability type='mdev'><type id='…'/></capability> to <device>`);
  }
  if (typeId === undefined) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${ctx.file}: <capability type='mdev'> has no <type id='…'/>: name the mdev type, e.g. <type id='mtty-2'/>`);
  }
  if (parent === undefined && parentAddr === undefined) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${ctx.file}: no <parent>: name the parent node device, e.g. <parent>pci_0000_00_02_0</parent> (see 'virt-mdev nodedev-list --cap mdev_types')`);
  }
  if (parent !== undefined && parent.value === '') {
    throw new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${ctx.file}:${parent.line}:${parent.col}: <parent> is empty: name the parent node device, e.g. pci_0000_00_02_0`);
  }

  const t = typeId;
  const req: MdevCreateRequest = {
    typeId: prefixed(`${ctx.file}:${t.line}:${t.col}`, () => checkTypeId(t.value, 'mdev type')),
    attrs: attrs.map((a) => ({ name: checkAttrName(a.name, `${ctx.file}:${a.line}:${a.col}`), value: a.value })),
  };
  if (parent !== undefined) {
    const pv = parent;
    req.parent = prefixed(`${ctx.file}:${pv.line}:${pv.col}`, () => checkParentName(pv.value, '<parent>'));
  }
  if (parentAddr !== undefined) {
    const pa = parentAddr;
    req.parentAddr = prefixed(`${ctx.file}:${pa.line}:${pa.col}`, () => checkParentName(pa.value, '<parent_addr>'));
  }
  if (uuid !== undefined) {
    const u = uuid;
    req.uuid = prefixed(`${ctx.file}:${u.line}:${u.col}`, () => canonicalUuid(u.value, '<uuid>'));
  }
  return req;
}

/** Run a validation and put the document position in front of its message. */
function prefixed<T>(pos: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VirtMdevError) throw new VirtMdevError(e.exitCode, e.reason, `${pos}: ${e.message}`, { details: e.details });
    throw e;
  }
}

const ATTR_SEGMENT = /^[A-Za-z0-9_.:+@-]{1,128}$/;

/** Attribute names become file paths under the device directory: relative, no '..', no empty parts. */
export function checkAttrName(name: string, where: string): string {
  const segs = name.split('/');
  if (name.length > 255 || segs.some((s) => !ATTR_SEGMENT.test(s) || s === '.' || s.includes('..'))) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-attr',
      `${where}: <attr name='${printable(name)}'> is not a device attribute name: use the file name under the device's sysfs directory, e.g. assign_adapter (no leading '/', no '..')`);
  }
  return name;
}
