// Reads a libvirt domain document: every form of an mdev hostdev, and our <metadata> entries, with
// exact offsets so that transform and the hook can edit single attribute values without touching any
// other byte. On the hook's hot path: imports only saxes and Node built-ins (and our small utils).
import type { SaxesTagPlain } from 'saxes';
import { ExitCode, VirtMdevError, isVirtMdevError, type ExitCodeValue } from '../util/errors.js';
import { canonicalUuid, checkParentName, checkPoolName, checkTypeId, printable, sysfsParentName } from '../util/validate.js';
import { xmlShapeProblem } from '../util/xml-limits.js';
import { newSaxesParser } from '../util/fast-saxes.js';
import { NamespaceScopes } from '../util/xml-namespaces.js';
import { METADATA_ELEMENT, METADATA_ENTRY, VIRT_MDEV_NS } from './namespace.js';
import { ElementTable } from './element-table.js';
import { DEVICE_ATTRS, HostdevAt, HostdevParts, HostdevRead, NO_ATTRS, PART_CHILDREN, PART_GUESTS, PART_SOURCES, type HostdevLayout, type HostdevRaw } from './hostdev-parts.js';
import { IntList } from './int-list.js';
import { LineIndex, attr, type AttrLoc, type ElementLoc } from './scan.js';
import type { DomainDoc, GuestModel, HostdevForm, MdevHostdev, MetadataEntry, Span } from './types.js';

export type { AttrLoc, ElementLoc } from './scan.js';

/** Domain documents are small; anything larger is refused before parsing (memory and time bound). */
export const MAX_DOMAIN_XML_BYTES = 16 * 1024 * 1024;

const MODELS: readonly GuestModel[] = ['vfio-pci', 'vfio-ccw', 'vfio-ap'];
/** guest bus → model, for the discussion's forms that name the guest side instead of a model */
const MODEL_OF_GUEST_TYPE: Record<string, GuestModel> = { pci: 'vfio-pci', ccw: 'vfio-ccw', ap: 'vfio-ap' };
/** which guest <address type> each model accepts (libvirt's post-parse rules); vfio-ap takes none */
const ADDRESS_OF_MODEL: Record<GuestModel, string | undefined> = { 'vfio-pci': 'pci', 'vfio-ccw': 'ccw', 'vfio-ap': undefined };

export type { HostdevLayout } from './hostdev-parts.js';

export interface DomainLayout {
  text: string;
  file: string;
  lines: LineIndex;
  domain: ElementLoc;
  /** the children of <domain> that libvirt writes before <metadata>, if present */
  head: { name?: ElementLoc; uuid?: ElementLoc; genid?: ElementLoc; title?: ElementLoc; description?: ElementLoc };
  metadata?: ElementLoc;
  /** our <virt-mdev:mdev> element */
  mdev?: ElementLoc;
  /** our <virt-mdev:device> elements, parallel to DomainDoc.metadata */
  entries: ElementLoc[];
  /** parallel to DomainDoc.hostdevs (made on first use: transform, which plans each hostdev as it is read, never asks) */
  readonly hostdevs: HostdevLayout[];
}

export interface ParsedDomain {
  doc: DomainDoc;
  layout: DomainLayout;
}

export interface ParseOptions {
  /**
   * Also enforce libvirt's own define/start rules (one ramfb='on', one vfio-ap, no guest address on vfio-ap,
   * display/ramfb only on vfio-pci, display='on' needs graphics). On for authoring (transform, validate);
   * the hook turns it off: the XML it gets was accepted by libvirt already, and a hook that refuses what
   * libvirt accepts only breaks starts that have nothing to do with creating devices.
   */
  libvirtRules?: boolean;
  /**
   * Called for each mdev hostdev as soon as it is read and checked, in document order, with the
   * document as far as it is known (name, uuid, metadata). The hostdevs then go only here: DomainDoc.hostdevs
   * stays empty, so that a large document's hostdev records die young instead of all living to the end
   * of the parse (layout.hostdevs still has them all). The parse may still fail on a later hostdev:
   * nothing done here may outlive a throw.
   */
  onHostdev?: (h: MdevHostdev, layout: HostdevLayout, doc: DomainDoc) => void;
}

/** Parse a domain document. Throws VirtMdevError (BAD_XML, BAD_VALUE) as 'file:line:col: message'. */
export function parseDomainXml(text: string, file?: string, opts: ParseOptions = {}): DomainDoc {
  return parseDomainXmlWithLayout(text, file, opts).doc;
}

type Role = 'domain' | 'name' | 'uuid' | 'genid' | 'title' | 'description' | 'metadata' | 'mdev' | 'entry'
  | 'devices' | 'hostdev' | 'source' | 'source-child' | 'guest-address' | 'graphics' | 'other';

interface Frame {
  role: Role;
  qname: string;
  start: number;
  /** the element's id in the ElementTable, -1 when not kept */
  id: number;
}

/** Roles whose element positions we keep (their start tags get scanned for attribute spans). */
const LOCATED = new Set<Role>(['domain', 'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'mdev', 'entry',
  'hostdev', 'source', 'source-child', 'guest-address']);

function roleOf(parent: Role | undefined, uri: string, local: string): Role {
  if (parent === undefined) return 'domain';
  if (parent === 'metadata') return uri === VIRT_MDEV_NS && local === METADATA_ELEMENT ? 'mdev' : 'other';
  if (parent === 'mdev') return uri === VIRT_MDEV_NS && local === METADATA_ENTRY ? 'entry' : 'other';
  if (uri !== '') return 'other';
  switch (parent) {
    case 'domain':
      if (local === 'name' || local === 'uuid' || local === 'genid' || local === 'title' || local === 'description'
        || local === 'metadata' || local === 'devices') return local;
      return 'other';
    case 'devices':
      if (local === 'hostdev') return 'hostdev';
      if (local === 'graphics') return 'graphics';
      return 'other';
    case 'hostdev':
      if (local === 'source') return 'source';
      if (local === 'address') return 'guest-address';
      return 'other';
    case 'source':
      return local === 'mdev' || local === 'address' ? 'source-child' : 'other';
    default:
      return 'other';
  }
}

export function parseDomainXmlWithLayout(text: string, file = '<stdin>', opts: ParseOptions = {}): ParsedDomain {
  const libvirtRules = opts.libvirtRules ?? true;
  if (text.length > MAX_DOMAIN_XML_BYTES / 3 && Buffer.byteLength(text, 'utf8') > MAX_DOMAIN_XML_BYTES) {
    throw new VirtMdevError(ExitCode.BAD_XML, 'too-large',
      `${file}:1:1: document is larger than ${MAX_DOMAIN_XML_BYTES / 1024 / 1024} MiB: a domain definition is never that big; refusing to read it`);
  }
  const lines = new LineIndex(text);
  const where = (offset: number): string => {
    const { line, col } = lines.at(offset);
    return `${file}:${line}:${col}`;
  };
  const fail = (code: ExitCodeValue, reason: string, offset: number, message: string): never => {
    throw new VirtMdevError(code, reason, `${where(offset)}: ${message}`);
  };

  const stack: Frame[] = [];
  const elementPath = (): string => stack.length === 0 ? 'the prolog' : `<${stack[stack.length - 1].qname}>`;
  const table = new ElementTable(text);
  let domainId = -1;
  const headIds: Partial<Record<keyof DomainLayout['head'], number>> = {};
  let metadataId = -1;
  let mdevId = -1;
  const entryIds = new IntList();
  const parts = new HostdevParts();
  /** the open hostdev's index in parts, -1 outside hostdevs */
  let current = -1;
  let hasGraphics = false;
  let nameText: string | undefined;
  let uuidText: string | undefined;
  let tagStart = 0;
  /** name of a start tag saxes is still reading (errors inside it name it) */
  let pendingTag: string | undefined;
  /** the element saxes closed last: an unexpected close tag closes the still-open element first */
  let lastClosed: Frame | undefined;
  let sawRoot = false;
  let elements = 0;

  // namespaces resolved by `scopes`, not by saxes: see ../util/xml-namespaces.ts
  const parser = newSaxesParser({ xmlns: false, position: true }, { namespaceNames: true });
  const scopes = new NamespaceScopes((message) => parser.fail(message), () => (parser.xmlDecl.version ?? '1.0') === '1.0');
  parser.on('attribute', (a) => scopes.attribute(a.name, a.value));
  let duplicateChecked = false;
  parser.on('error', (e) => {
    if (isVirtMdevError(e)) throw e;
    const msg = e.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '').replace(/\.$/, '');
    if (msg.startsWith('duplicate attribute: ') && pendingTag !== undefined && !duplicateChecked) {
      duplicateChecked = true; // it reports through this handler
      scopes.beforeDuplicateError(pendingTag);
    }
    let offset = Math.max(0, parser.position - 1);
    if (/entity/i.test(msg)) {
      const amp = text.lastIndexOf('&', offset);
      if (amp >= 0) offset = amp;
      fail(ExitCode.BAD_XML, 'entity', offset,
        `${elementPath()}: ${msg}: entity references other than &lt; &gt; &amp; &quot; &apos; and character references are refused (virt-mdev never expands entities)`);
    }
    if (msg === 'unexpected close tag' && lastClosed) {
      const ct = text.lastIndexOf('</', offset);
      const closing = /^<\/([^\s>]+)/.exec(text.slice(ct, ct + 200))?.[1] ?? '?';
      const open = lines.at(lastClosed.start);
      fail(ExitCode.BAD_XML, 'malformed', ct,
        `malformed XML: </${printable(closing)}> while <${lastClosed.qname}> (line ${open.line}:${open.col}) is still open; close it first`);
    }
    const inside = pendingTag !== undefined ? `the start tag <${pendingTag}>` : elementPath();
    fail(ExitCode.BAD_XML, 'malformed', offset, `malformed XML in ${inside}: ${msg}`);
  });
  parser.on('doctype', () => {
    const at = text.lastIndexOf('<!DOCTYPE', parser.position);
    fail(ExitCode.BAD_XML, 'doctype', at >= 0 ? at : 0,
      '<!DOCTYPE>: DOCTYPE and entity declarations are refused (virt-mdev never expands entities); libvirt domain XML has none, remove it');
  });
  parser.on('opentagstart', (tag) => {
    tagStart = text.lastIndexOf('<', parser.position - 1);
    pendingTag = tag.name;
    const shape = xmlShapeProblem(stack.length + 1, ++elements);
    if (shape) fail(ExitCode.BAD_XML, shape.reason, tagStart, `<${printable(tag.name, 40)}>: ${shape.message}`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const uri = scopes.openTag(tag.name);
    const colon = tag.name.indexOf(':');
    const local = colon < 0 ? tag.name : tag.name.slice(colon + 1);
    const parent = stack.length ? stack[stack.length - 1].role : undefined;
    if (parent === undefined) {
      if (sawRoot) fail(ExitCode.BAD_XML, 'malformed', tagStart, `malformed XML: second root element <${tag.name}>`);
      sawRoot = true;
      if (uri !== '' || local !== 'domain') {
        fail(ExitCode.BAD_XML, 'not-domain', tagStart,
          `<${tag.name}>: not a libvirt domain document (the root element must be <domain>)`);
      }
    }
    const role = roleOf(parent, uri, local);
    const id = LOCATED.has(role) ? table.add(tagStart, parser.position, tag.isSelfClosing, tag.attributes) : -1;
    pendingTag = undefined;
    stack.push({ role, qname: tag.name, start: tagStart, id });
    switch (role) {
      case 'domain': domainId = id; break;
      case 'name': case 'uuid': case 'genid': case 'title': case 'description':
        headIds[role] ??= id;
        break;
      case 'metadata':
        if (metadataId >= 0) fail(ExitCode.BAD_VALUE, 'duplicate-metadata', tagStart, '<metadata>: the domain has two <metadata> elements; merge them');
        metadataId = id;
        break;
      case 'mdev':
        if (mdevId >= 0) {
          fail(ExitCode.BAD_VALUE, 'duplicate-metadata', tagStart,
            `<${tag.name}>: <metadata> holds two virt-mdev elements (namespace ${VIRT_MDEV_NS}); keep one`);
        }
        mdevId = id;
        break;
      case 'entry': entryIds.push(id); break;
      case 'hostdev': current = parts.open(id); break;
      case 'source': parts.add(current, PART_SOURCES, id); break;
      case 'source-child': if (parts.sources(current) === 1) parts.add(current, PART_CHILDREN, id); break;
      case 'guest-address': parts.add(current, PART_GUESTS, id); break;
      case 'graphics': hasGraphics = true; break;
      default: break;
    }
  });
  // libvirt reads an element's text with CDATA sections in it (libxml2's node content): so do we
  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top?.role === 'name' && top.id === headIds.name) nameText = (nameText ?? '') + t;
    else if (top?.role === 'uuid' && top.id === headIds.uuid) uuidText = (uuidText ?? '') + t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    scopes.closeTag();
    const f = stack.pop()!;
    lastClosed = f;
    if (f.id >= 0 && !table.selfClosing(f.id)) table.close(f.id, parser.position, text.lastIndexOf('</', parser.position - 1));
    if (f.role === 'hostdev') current = -1;
  });

  parser.write(text).close();
  if (domainId < 0) fail(ExitCode.BAD_XML, 'not-domain', 0, 'not a libvirt domain document: no <domain> element');
  const loc = (id: number | undefined): ElementLoc | undefined => id === undefined || id < 0 ? undefined : table.loc(id, NO_ATTRS);
  const domain = table.loc(domainId, NO_ATTRS);
  const head: DomainLayout['head'] = {};
  for (const k of ['name', 'uuid', 'genid', 'title', 'description'] as const) if (headIds[k] !== undefined) head[k] = loc(headIds[k]);
  const metadata = loc(metadataId);
  const mdevEl = loc(mdevId);
  const entries: ElementLoc[] = [];
  for (let i = 0; i < entryIds.length; i++) entries.push(table.loc(entryIds.get(i), DEVICE_ATTRS));

  const doc: DomainDoc = { hostdevs: [], metadata: [], warnings: [] };
  if (nameText !== undefined) doc.name = nameText.trim();
  if (uuidText !== undefined) doc.uuid = wrapValue(() => canonicalUuid(uuidText!, 'domain <uuid>'), where(head.uuid!.start), '<uuid>');

  const span = (el: ElementLoc): Span => lines.span(el.start, el.end);

  // metadata first: hostdevs of the libvirt form find their request there
  const metaByUuid = new Map<string, MetadataEntry>();
  for (const el of entries) {
    const e = readEntry(el, where, span(el));
    const prev = metaByUuid.get(e.uuid);
    if (prev) {
      fail(ExitCode.BAD_VALUE, 'duplicate-uuid', attr(el, 'uuid')!.valueStart,
        `<${el.qname} uuid='${e.uuid}'>: the same UUID has a virt-mdev metadata entry at line ${prev.span.line} already; keep one`);
    }
    metaByUuid.set(e.uuid, e);
    doc.metadata.push(e);
  }

  /** the index in `parts` of each mdev hostdev (those DomainDoc.hostdevs lists) */
  const mdevParts = new IntList();
  const seenUuid = new Map<string, number>();
  let ramfbOnLine: number | undefined;
  let apLine: number | undefined;
  const cx: HostdevContext = { where, fail, span, metaByUuid, hasGraphics, warnings: doc.warnings, file, lines, libvirtRules };
  for (let i = 0; i < parts.count; i++) {
    const raw = parts.raw(i, table);
    const h = readHostdev(raw, mdevParts.length, cx);
    if (!h) continue;
    if (h.uuid) {
      const prev = seenUuid.get(h.uuid);
      const u = uuidAttrOf(raw)!;
      if (prev !== undefined) {
        fail(ExitCode.BAD_VALUE, 'duplicate-uuid', u.valueStart,
          `<${raw.sourceChildren[0].qname} uuid='${printable(u.value)}'>: the hostdev at line ${prev} uses the same mdev UUID; each hostdev needs its own mediated device`);
      }
      seenUuid.set(h.uuid, h.span.line);
    }
    if (h.ramfb === 'on' && libvirtRules) {
      if (ramfbOnLine !== undefined) {
        fail(ExitCode.BAD_VALUE, 'two-ramfb', attr(raw.el, 'ramfb')!.valueStart,
          `<hostdev ramfb='on'>: the hostdev at line ${ramfbOnLine} has ramfb='on' already; libvirt allows only one vGPU with ramfb='on' (set ramfb='off' on one of them)`);
      }
      ramfbOnLine = h.span.line;
    }
    if (h.model === 'vfio-ap' && libvirtRules) {
      if (apLine !== undefined) {
        fail(ExitCode.BAD_VALUE, 'two-vfio-ap', raw.el.start,
          `<hostdev>: the hostdev at line ${apLine} is vfio-ap already; libvirt supports only one vfio-ap hostdev per domain`);
      }
      apLine = h.span.line;
    }
    if (!opts.onHostdev) doc.hostdevs.push(h);
    mdevParts.push(i);
    opts.onHostdev?.(h, new HostdevRead(raw, parts, table, i), doc);
  }

  return {
    doc,
    layout: {
      text, file, lines, domain, head, metadata, mdev: mdevEl, entries,
      get hostdevs(): HostdevLayout[] {
        const hostdevs: HostdevLayout[] = [];
        for (let i = 0; i < mdevParts.length; i++) hostdevs.push(new HostdevAt(parts, table, mdevParts.get(i)));
        Object.defineProperty(this, 'hostdevs', { value: hostdevs, enumerable: true });
        return hostdevs;
      },
    },
  };
}

function uuidAttrOf(raw: HostdevRaw): AttrLoc | undefined {
  return attr(raw.sourceChildren[0], 'uuid');
}

/** Run a validate.ts check; its message gains the place and element. */
function wrapValue<T>(f: () => T, place: string, element: string): T {
  try {
    return f();
  } catch (e) {
    if (isVirtMdevError(e)) throw new VirtMdevError(e.exitCode, e.reason, `${place}: ${element}: ${e.message}`, { details: e.details });
    throw e;
  }
}

/** wrapValue for an attribute value: the place and element are spelled only for an error */
function checkAttr<T>(check: (value: string) => T, a: AttrLoc, el: ElementLoc, where: (o: number) => string): T {
  try {
    return check(a.value);
  } catch (e) {
    if (isVirtMdevError(e)) {
      throw new VirtMdevError(e.exitCode, e.reason, `${where(a.valueStart)}: <${el.qname} ${a.name}>: ${e.message}`, { details: e.details });
    }
    throw e;
  }
}

const checkEntryUuid = (v: string): string => canonicalUuid(v);
const checkMdevUuid = (v: string): string => canonicalUuid(v, 'mdev UUID');

/** type/parent/pool of a create request, as our metadata entry and the authoring <source><mdev> both spell it */
function readRequest(el: ElementLoc, where: (o: number) => string): { type?: string; parent?: string; pool?: string } {
  const request: { type?: string; parent?: string; pool?: string } = {};
  const t = attr(el, 'type');
  const p = attr(el, 'parent');
  const pool = attr(el, 'pool');
  if (t) request.type = checkAttr(checkTypeId, t, el, where);
  if (p) request.parent = sysfsParentName(checkAttr(checkParentName, p, el, where));
  if (pool) request.pool = checkAttr(checkPoolName, pool, el, where);
  return request;
}

function readEntry(el: ElementLoc, where: (o: number) => string, span: Span): MetadataEntry {
  const u = attr(el, 'uuid');
  if (!u) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'missing-uuid',
      `${where(el.start)}: <${el.qname}>: a virt-mdev metadata entry needs uuid='…' (the UUID in the hostdev's <source><address>)`);
  }
  const e: MetadataEntry = { uuid: checkAttr(checkEntryUuid, u, el, where), span };
  Object.assign(e, readRequest(el, where));
  if (!e.type && !e.pool) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'no-type-or-pool',
      `${where(el.start)}: <${el.qname} uuid='${e.uuid}'>: a managed device needs type='…' (an mdev type id) or pool='…'`);
  }
  return e;
}

interface HostdevContext {
  where: (o: number) => string;
  fail: (code: ExitCodeValue, reason: string, offset: number, message: string) => never;
  span: (el: ElementLoc) => Span;
  metaByUuid: Map<string, MetadataEntry>;
  hasGraphics: boolean;
  /** enforce libvirt's own define/start rules too (see ParseOptions) */
  libvirtRules: boolean;
  warnings: string[];
  file: string;
  lines: LineIndex;
}

/** One <hostdev>: undefined when it is not an mdev hostdev (PCI, USB, SCSI passthrough are not ours). */
function readHostdev(raw: HostdevRaw, index: number, cx: HostdevContext): MdevHostdev | undefined {
  const { fail, where } = cx;
  const el = raw.el;
  const typeA = attr(el, 'type');
  const hostdevType = typeA?.value;
  const srcChildren = raw.sourceChildren;
  let mdevChild: ElementLoc | undefined;
  for (const c of srcChildren) {
    if (localName(c.qname) === 'mdev') { mdevChild = c; break; }
  }
  if (hostdevType !== 'mdev' && !mdevChild) return undefined;

  if (raw.sourceCount > 1) fail(ExitCode.BAD_VALUE, 'two-sources', raw.secondSource, '<source>: a hostdev has one <source>; remove the second');
  if (raw.sourceCount === 0 || srcChildren.length === 0) {
    fail(ExitCode.BAD_VALUE, 'missing-source', el.start,
      "<hostdev type='mdev'>: missing <source><address uuid='…'/></source> (or <source><mdev type='…'/></source> with managed='yes')");
  }
  if (srcChildren.length > 1) {
    fail(ExitCode.BAD_VALUE, 'two-source-children', srcChildren[1].start,
      `<${srcChildren[1].qname}>: <source> of an mdev hostdev holds exactly one <address uuid> or <mdev>; remove the others`);
  }
  if (raw.guestAddressCount > 1) {
    fail(ExitCode.BAD_VALUE, 'two-addresses', raw.secondGuestAddressAt, '<address>: a hostdev has at most one guest <address>; remove the second');
  }
  const child = srcChildren[0];
  const modeA = attr(el, 'mode');
  if (modeA && modeA.value !== 'subsystem') {
    fail(ExitCode.BAD_VALUE, 'bad-mode', modeA.valueStart, `<hostdev mode='${printable(modeA.value)}'>: an mdev hostdev is mode='subsystem'`);
  }
  const managedA = attr(el, 'managed');
  if (managedA && managedA.value !== 'yes' && managedA.value !== 'no') {
    fail(ExitCode.BAD_VALUE, 'bad-managed', managedA.valueStart, `<hostdev managed='${printable(managedA.value)}'>: use managed='yes' or managed='no'`);
  }
  const managedYes = managedA?.value === 'yes';

  // guest side named by the hostdev type (the discussion's first form)
  let guestTypeFromHostdev: string | undefined;
  if (hostdevType !== undefined && hostdevType !== 'mdev') {
    if (!(hostdevType in MODEL_OF_GUEST_TYPE)) {
      fail(ExitCode.BAD_VALUE, 'bad-guest-type', typeA!.valueStart,
        `<hostdev type='${printable(hostdevType)}'> with <source><mdev>: a mediated device reaches the guest as pci, ccw or ap; use type='mdev' with model='vfio-pci|vfio-ccw|vfio-ap'`);
    }
    guestTypeFromHostdev = hostdevType;
  } else if (hostdevType === undefined) {
    fail(ExitCode.BAD_VALUE, 'missing-type', el.start, "<hostdev>: missing type='mdev'");
  }

  let form: HostdevForm;
  if (localName(child.qname) === 'address') form = 'libvirt';
  else if (attr(child, 'type') || attr(child, 'pool')) form = 'managed';
  else form = hostdevType === 'mdev' ? 'rfc-mdev' : 'rfc-guest-type';

  if (form === 'managed' && !managedYes) {
    const requestAttrs = mdevChild ? ['type', 'parent', 'pool'].filter((n) => attr(mdevChild, n)) : [];
    fail(ExitCode.BAD_VALUE, 'not-managed', managedA ? managedA.valueStart : el.start,
      `<hostdev${managedA ? ` managed='${managedA.value}'` : ''}>: <source><mdev ${requestAttrs.join('/')}=…> asks virt-mdev to create the device; add managed='yes' (or give only uuid='…' for an existing device)`);
  }
  if (form !== 'managed' && mdevChild && attr(mdevChild, 'parent')) {
    fail(ExitCode.BAD_VALUE, 'no-type-or-pool', attr(mdevChild, 'parent')!.valueStart,
      `<${mdevChild.qname} parent>: a managed device needs type='…' (an mdev type id) or pool='…' besides parent`);
  }

  // UUID
  const uA = attr(child, 'uuid');
  let uuid: string | undefined;
  if (uA) uuid = checkAttr(checkMdevUuid, uA, child, where);
  else if (form !== 'managed' && managedYes && mdevChild) {
    fail(ExitCode.BAD_VALUE, 'no-type-or-pool', child.start,
      `<${child.qname}> in <hostdev managed='yes'>: a managed device needs type='…' (an mdev type id) or pool='…'`);
  } else if (form !== 'managed') {
    fail(ExitCode.BAD_VALUE, 'missing-uuid', child.start,
      `<${child.qname}> in <source>: missing uuid='…' (the UUID of the mediated device under /sys/bus/mdev/devices), or add type='…' and managed='yes' to have virt-mdev create it`);
  }

  // guest model
  const modelA = attr(el, 'model');
  const guestAt = raw.guestAddressAt;
  const guestType = raw.guestAddressType;
  let model: GuestModel;
  let modelSource: MdevHostdev['modelSource'];
  if (modelA) {
    if (!MODELS.includes(modelA.value as GuestModel)) {
      fail(ExitCode.BAD_VALUE, 'bad-model', modelA.valueStart,
        `<hostdev model='${printable(modelA.value)}'>: model must be vfio-pci, vfio-ccw or vfio-ap`);
    }
    model = modelA.value as GuestModel;
    modelSource = 'attribute';
  } else if (guestTypeFromHostdev) {
    model = MODEL_OF_GUEST_TYPE[guestTypeFromHostdev];
    modelSource = 'address';
  } else if (guestType !== undefined) {
    const m = guestType === 'pci' || guestType === 'ccw' ? MODEL_OF_GUEST_TYPE[guestType] : undefined;
    if (!m) {
      fail(ExitCode.BAD_VALUE, 'bad-address', guestAt,
        `<address type='${printable(guestType)}'>: an mdev reaches the guest on pci (vfio-pci) or ccw (vfio-ccw); add model='…' or fix the address type`);
    }
    model = m!;
    modelSource = 'address';
  } else {
    model = 'vfio-pci';
    modelSource = 'default';
  }
  if (guestTypeFromHostdev && MODEL_OF_GUEST_TYPE[guestTypeFromHostdev] !== model) {
    fail(ExitCode.BAD_VALUE, 'model-mismatch', modelA!.valueStart,
      `<hostdev type='${guestTypeFromHostdev}' model='${model}'>: type names the guest side as ${guestTypeFromHostdev}, which does not fit model='${model}'`);
  }
  if (raw.guestAddressCount > 0) {
    const want = ADDRESS_OF_MODEL[model];
    if (want === undefined && cx.libvirtRules) {
      fail(ExitCode.BAD_VALUE, 'ap-address', guestAt,
        `<address> in a vfio-ap hostdev: vfio-ap devices have no guest address; remove the <address> element`);
    }
    if (guestType !== want && want !== undefined) {
      fail(ExitCode.BAD_VALUE, 'model-mismatch', guestAt,
        `<address type='${printable(guestType ?? '')}'>: model '${model}' takes a guest address of type '${want}' (libvirt: unsupported address type with mediated device model '${model}')`);
    }
  }

  // display / ramfb
  const dA = attr(el, 'display');
  const rA = attr(el, 'ramfb');
  if (dA) checkOnOff(dA, model, cx);
  if (rA) checkOnOff(rA, model, cx);
  if (dA?.value === 'on' && !cx.hasGraphics && cx.libvirtRules) {
    fail(ExitCode.BAD_VALUE, 'display-needs-graphics', dA.valueStart,
      "<hostdev display='on'>: libvirt needs a <graphics> device (vnc, spice or egl-headless) for display='on'; add one or set display='off'");
  }

  // what to create
  let request: MdevHostdev['request'];
  let requestFrom: MdevHostdev['requestFrom'];
  let managed = false;
  if (form === 'managed') {
    request = readRequest(child, where);
    requestFrom = 'source';
    managed = true;
  } else if (managedYes) {
    const entry = uuid ? cx.metaByUuid.get(uuid) : undefined;
    if (entry) {
      request = {};
      if (entry.type) request.type = entry.type;
      if (entry.parent) request.parent = entry.parent;
      if (entry.pool) request.pool = entry.pool;
      requestFrom = 'metadata';
      managed = true;
    } else if (form === 'libvirt') {
      // libvirt itself ignores managed= on mdevs: without our entry this is an ordinary existing device
      const { line } = cx.lines.at(el.start);
      cx.warnings.push(`${cx.file}:${line}: <hostdev managed='yes'> with mdev ${uuid} has no virt-mdev metadata entry: virt-mdev will not create it (add <source><mdev type='…'/> and run virt-mdev transform to have it managed)`);
    } else {
      fail(ExitCode.BAD_VALUE, 'no-type-or-pool', child.start,
        `<${child.qname}> in <hostdev managed='yes'>: a managed device needs type='…' (an mdev type id) or pool='…' in <source><mdev>`);
    }
  }

  const h: MdevHostdev = { index, form, managed, model, modelSource, span: cx.span(el) };
  if (uuid) h.uuid = uuid;
  if (guestType !== undefined) h.guestAddressType = guestType;
  if (request) { h.request = request; h.requestFrom = requestFrom; }
  if (dA) h.display = dA.value;
  if (rA) h.ramfb = rA.value;
  return h;
}

/** display= or ramfb= of a hostdev: on or off, and only on vfio-pci */
function checkOnOff(a: AttrLoc, model: GuestModel, cx: HostdevContext): void {
  if (a.value !== 'on' && a.value !== 'off') {
    cx.fail(ExitCode.BAD_VALUE, `bad-${a.name}`, a.valueStart, `<hostdev ${a.name}='${printable(a.value)}'>: use ${a.name}='on' or ${a.name}='off'`);
  }
  if (model !== 'vfio-pci' && cx.libvirtRules) {
    cx.fail(ExitCode.BAD_VALUE, `${a.name}-model`, a.nameStart,
      `<hostdev ${a.name}='${a.value}'>: '${a.name}' is only supported with model='vfio-pci' (this hostdev is ${model}); remove it`);
  }
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}
