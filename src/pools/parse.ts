// Reads a pool definition (<mdevpool>). Unknown elements and attributes are refused with their
// position, never ignored: a setting this virt-mdev does not know must not silently do nothing.
// Every value is checked with the rules of src/util/validate.ts before it can reach a host path.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { atElement, elementError, parseSmallXml, where, type XmlElement } from '../util/small-xml.js';
import { checkParentName, checkPoolName, checkTypeId, printable } from '../util/validate.js';
import type { PoolDefinition } from './types.js';

export const MAX_POOL_XML_BYTES = 64 * 1024;
/** members per pool: far above any GPU's vGPU count, low enough to keep the ledger small */
export const MAX_POOL_SIZE = 4096;
export const MAX_POOL_PARENTS = 256;

const EXPECTED = "expected <name>, <type id='…'/>, <parent> (zero or more) and <size>";

function noAttrs(file: string, el: XmlElement, allowed: string[] = []): void {
  const extra = Object.keys(el.attrs).find((a) => !allowed.includes(a));
  if (extra !== undefined) {
    const hint = allowed.length ? `only ${allowed.map((a) => `${a}=`).join(', ')} is allowed` : 'it takes none';
    throw elementError(file, el, `unknown attribute ${printable(extra, 40)}= on <${el.name}>: ${hint}`);
  }
}

/** Text-only element: no attributes, no child elements; its text, trimmed. */
function textOf(file: string, el: XmlElement): string {
  noAttrs(file, el);
  const child = el.children[0];
  if (child) throw elementError(file, child, `unknown element <${printable(child.name, 40)}> inside <${el.name}>: <${el.name}> holds text only`);
  return el.text.trim();
}

/** "<size>" as a member count: digits only, 1 to MAX_POOL_SIZE. */
export function checkPoolSize(s: string, what = '<size>'): number {
  const n = /^\d{1,9}$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_POOL_SIZE) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-size',
      `${what} '${printable(s, 40)}' is not a pool size: give the number of members, 1 to ${MAX_POOL_SIZE}`);
  }
  return n;
}

interface Seen { name?: string; type?: string; size?: number; parents: string[] }

function readChild(file: string, el: XmlElement, seen: Seen): void {
  const once = (v: unknown): void => {
    if (v !== undefined) throw elementError(file, el, `a second <${el.name}>: a pool has exactly one`);
  };
  switch (el.name) {
    case 'name': {
      once(seen.name);
      const t = textOf(file, el);
      seen.name = atElement(file, el, () => checkPoolName(t));
      return;
    }
    case 'type': {
      once(seen.type);
      noAttrs(file, el, ['id']);
      if (el.children.length || el.text.trim() !== '') throw elementError(file, el, "<type> is empty: write <type id='nvidia-63'/>");
      const id = el.attrs.id;
      if (id === undefined) throw elementError(file, el, "<type> has no id attribute: write <type id='nvidia-63'/> with a type from 'virt-mdev nodedev-list --cap mdev_types'");
      seen.type = atElement(file, el, () => checkTypeId(id, 'mdev type'));
      return;
    }
    case 'parent': {
      const t = textOf(file, el);
      const p = atElement(file, el, () => checkParentName(t, '<parent>'));
      if (seen.parents.includes(p)) throw elementError(file, el, `<parent>${p}</parent> is named twice: name each parent once`, ExitCode.BAD_VALUE, 'bad-parent');
      if (seen.parents.length >= MAX_POOL_PARENTS) throw elementError(file, el, `more than ${MAX_POOL_PARENTS} <parent> elements`, ExitCode.BAD_VALUE, 'bad-parent');
      seen.parents.push(p);
      return;
    }
    case 'size': {
      once(seen.size);
      const t = textOf(file, el);
      seen.size = atElement(file, el, () => checkPoolSize(t));
      return;
    }
    default:
      throw elementError(file, el, `unknown element <${printable(el.name, 40)}> in <mdevpool>: ${EXPECTED}`);
  }
}

/** Parse and check a pool definition; structure problems are BAD_XML, values BAD_VALUE, all with file:line:col. */
export function parsePoolXml(text: string, file: string): PoolDefinition {
  const root = parseSmallXml(text, file, 'pool definition', MAX_POOL_XML_BYTES);
  const f = printable(file, 200);
  if (root.name !== 'mdevpool') {
    throw elementError(f, root, `the root element is <${printable(root.name, 40)}>, expected <mdevpool> (a virt-mdev pool definition)`);
  }
  noAttrs(f, root);
  if (root.text.trim() !== '') throw elementError(f, root, `text directly inside <mdevpool>: ${EXPECTED}`);
  const seen: Seen = { parents: [] };
  for (const el of root.children) readChild(f, el, seen);
  const missing = (what: string, example: string): VirtMdevError =>
    new VirtMdevError(ExitCode.BAD_XML, 'bad-xml', `${where(f, root)}: <mdevpool> has no ${what}: add ${example}`);
  if (seen.name === undefined) throw missing('<name>', '<name>vdi</name>');
  if (seen.type === undefined) throw missing("<type id='…'/>", "<type id='nvidia-63'/>");
  if (seen.size === undefined) throw missing('<size>', '<size>8</size> (the number of members)');
  return { name: seen.name, type: seen.type, parents: seen.parents, size: seen.size };
}

/** The stored form: one canonical document, so dumpxml is stable and two definitions compare by text. */
export function formatPoolXml(def: PoolDefinition): string {
  // every value passed the path-safety rules, whose characters need no escaping in XML
  const parents = def.parents.map((p) => `  <parent>${p}</parent>\n`).join('');
  return `<mdevpool>\n  <name>${def.name}</name>\n  <type id='${def.type}'/>\n${parents}  <size>${def.size}</size>\n</mdevpool>\n`;
}
