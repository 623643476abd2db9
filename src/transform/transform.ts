// Turns any accepted mdev hostdev form into the XML libvirt 9.0 accepts, as a list of small edits to
// the original text: everything outside the changed hostdev tags and our metadata keeps its bytes.
import { applyEdits, type Edit } from '../domainxml/edits.js';
import { METADATA_ELEMENT, METADATA_ENTRY, VIRT_MDEV_NS, VIRT_MDEV_PREFIX } from '../domainxml/namespace.js';
import { parseDomainXmlWithLayout, type DomainLayout, type HostdevLayout } from '../domainxml/parse.js';
import type { ElementLoc } from '../domainxml/scan.js';
import type { DomainDoc, GuestModel, HostdevForm, MdevHostdev } from '../domainxml/types.js';
import { deriveMdevUuid } from '../domainxml/uuid5.js';

export interface PlannedDevice {
  index: number;
  form: HostdevForm;
  model: GuestModel;
  modelSource: MdevHostdev['modelSource'];
  uuid: string;
  /** the UUID was derived here (UUIDv5 of the domain and the device's place) */
  generated: boolean;
  managed: boolean;
  type?: string;
  parent?: string;
  pool?: string;
  guestAddressType?: string;
  /** 1-based line of the <hostdev> in the input */
  line: number;
  /** transform changes this hostdev */
  changed: boolean;
}

export interface TransformResult {
  file: string;
  output: string;
  /** output differs from the input: the document was not libvirt-ready */
  changed: boolean;
  domain: { name?: string; uuid?: string };
  devices: PlannedDevice[];
  metadataChanged: boolean;
  /** 'file:line: message' lines */
  warnings: string[];
}

interface MetaWant {
  uuid: string;
  type?: string;
  parent?: string;
  pool?: string;
}

export function transformDomainXml(text: string, file = '<stdin>'): TransformResult {
  const edits: Edit[] = [];
  const devices: PlannedDevice[] = [];
  const wanted: MetaWant[] = [];
  const noUuidWarnings: string[] = [];

  // each hostdev is planned as soon as the parse has read it, while its text is still in the cache
  const onHostdev = (h: MdevHostdev, lay: HostdevLayout, doc: DomainDoc): void => {
    let uuid = h.uuid;
    let generated = false;
    if (!uuid) {
      uuid = deriveMdevUuid(doc, h.index);
      generated = true;
      if (!doc.uuid && noUuidWarnings.length === 0) {
        noUuidWarnings.push(`${file}:${h.span.line}: the domain has no <uuid>: generated mdev UUIDs derive from its name '${doc.name ?? ''}' (add a <uuid> so renaming the domain cannot change them)`);
      }
    }
    const before = edits.length;
    hostdevEdits(h, lay, uuid, edits);
    devices.push(plannedDevice(h, uuid, generated, edits.length > before));
    if (h.managed) wanted.push(withRequest<MetaWant>({ uuid }, h.request));
  };
  const { doc, layout } = parseDomainXmlWithLayout(text, file, { onHostdev });
  const warnings = [...doc.warnings, ...noUuidWarnings];

  const metaEdit = metadataEdit(doc, layout, wanted);
  // in document order, as the hostdevs' edits are: applyEdits then has nothing to sort
  if (metaEdit && edits.length > 0 && metaEdit.start < edits[0].start) edits.unshift(metaEdit);
  else if (metaEdit) edits.push(metaEdit);
  const output = applyEdits(text, edits);
  return {
    file, output, changed: output !== text, domain: { name: doc.name, uuid: doc.uuid }, devices,
    metadataChanged: metaEdit !== undefined, warnings,
  };
}

/**
 * A hostdev's entry in TransformResult.devices, its keys in this order (they are JSON output): made
 * with plain stores, so that 10,000 of them share one shape and make no intermediate objects.
 */
function plannedDevice(h: MdevHostdev, uuid: string, generated: boolean, changed: boolean): PlannedDevice {
  const d = withRequest({
    index: h.index, form: h.form, model: h.model, modelSource: h.modelSource, uuid, generated, managed: h.managed,
  } as PlannedDevice, h.request);
  if (h.guestAddressType) d.guestAddressType = h.guestAddressType;
  d.line = h.span.line;
  d.changed = changed;
  return d;
}

/** `to` with the request's type, parent and pool, as {...to, ...request} (the parse sets only those it has, in this order) */
function withRequest<T extends { type?: string; parent?: string; pool?: string }>(to: T, request: MdevHostdev['request']): T {
  if (request?.type !== undefined) to.type = request.type;
  if (request?.parent !== undefined) to.parent = request.parent;
  if (request?.pool !== undefined) to.pool = request.pool;
  return to;
}

function quoteOf(el: ElementLoc): string {
  return el.quote ?? "'";
}

/** libvirt's form: type='mdev' model=… <source><address uuid=…/></source>; guest <address> untouched. */
function hostdevEdits(h: MdevHostdev, lay: HostdevLayout, uuid: string, edits: Edit[]): void {
  const typeA = lay.attr('type')!;
  const q = typeA.quote;
  if (typeA.value !== 'mdev') edits.push({ start: typeA.valueStart, end: typeA.valueEnd, text: 'mdev' });
  if (!lay.attr('model')) {
    const at = typeA.valueEnd + 1;
    edits.push({ start: at, end: at, text: modelAttrText(h.model, q) });
  }
  if (h.form !== 'libvirt') {
    const child = lay.sourceChildPlace!;
    const cq = quoteOf(child);
    edits.push({ start: child.start, end: child.end, text: addressText(uuid, cq) });
  }
}

/**
 * `<address uuid='…'/>` as one flat string: a template makes a chain of four strings, which is most of
 * what each of 10,000 edits keeps alive until the output is joined. `uuid` is canonical (36 ASCII).
 */
function addressText(uuid: string, q: string): string {
  if (uuid.length !== 36) return `<address uuid=${q}${uuid}${q}/>`;
  const t = q === '"' ? ADDRESS_DQ : ADDRESS_SQ;
  t.write(uuid, ADDRESS_UUID_AT, 'latin1');
  return t.toString('latin1');
}
const ADDRESS_UUID_AT = '<address uuid=\''.length;
const ADDRESS_SQ = Buffer.from(`<address uuid='${'0'.repeat(36)}'/>`, 'latin1');
const ADDRESS_DQ = Buffer.from(`<address uuid="${'0'.repeat(36)}"/>`, 'latin1');

/** ` model='…'` for each model and quote: one string each, however many hostdevs gain it */
const MODEL_ATTR_TEXT = new Map<string, string>();

function modelAttrText(model: GuestModel, q: string): string {
  const key = q + model;
  let t = MODEL_ATTR_TEXT.get(key);
  if (t === undefined) MODEL_ATTR_TEXT.set(key, t = ` model=${q}${model}${q}`);
  return t;
}

function sameEntries(doc: DomainDoc, wanted: MetaWant[]): boolean {
  if (doc.metadata.length !== wanted.length) return false;
  return wanted.every((w, i) => {
    const m = doc.metadata[i];
    return m.uuid === w.uuid && m.type === w.type && m.parent === w.parent && m.pool === w.pool;
  });
}

/** Text layout conventions of the document, so inserted lines look like their neighbours. */
function styleOf(layout: DomainLayout): { nl: string; unit: string; quote: string } {
  const { text } = layout;
  const lf = text.indexOf('\n');
  // a document written on one line gets its insertions on that line too
  if (lf < 0 && !text.includes('\r')) return { nl: '', unit: '', quote: quoteOf(layout.domain) };
  const nl = lf > 0 && text[lf - 1] === '\r' ? '\r\n' : lf < 0 ? '\r' : '\n';
  const domainIndent = indentOf(text, layout.domain) ?? '';
  const firstChild = layout.head.name ?? layout.head.uuid ?? layout.metadata;
  const childIndent = firstChild ? indentOf(text, firstChild) : undefined;
  const unit = childIndent !== undefined && childIndent.length > domainIndent.length && childIndent.startsWith(domainIndent)
    ? childIndent.slice(domainIndent.length) : '  ';
  return { nl, unit, quote: quoteOf(layout.domain) };
}

/** The whitespace before an element when it starts its own line, else undefined. */
function indentOf(text: string, el: ElementLoc): string | undefined {
  let i = el.start;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  if (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') return undefined;
  return text.slice(i, el.start);
}

function mdevElementText(wanted: MetaWant[], indent: string, unit: string, nl: string, q: string): string {
  const p = VIRT_MDEV_PREFIX;
  // one list of pieces, joined once: thousands of entries make no string per entry
  const parts = [`<${p}:${METADATA_ELEMENT} xmlns:${p}=${q}${VIRT_MDEV_NS}${q}>`];
  const entry = `${nl}${indent}${unit}<${p}:${METADATA_ENTRY} uuid=${q}`;
  const typeAttr = `${q} type=${q}`;
  const parentAttr = `${q} parent=${q}`;
  const poolAttr = `${q} pool=${q}`;
  const end = `${q}/>`;
  for (const w of wanted) {
    parts.push(entry, w.uuid);
    if (w.type !== undefined) parts.push(typeAttr, w.type);
    if (w.parent !== undefined) parts.push(parentAttr, w.parent);
    if (w.pool !== undefined) parts.push(poolAttr, w.pool);
    parts.push(end);
  }
  parts.push(`${nl}${indent}</${p}:${METADATA_ELEMENT}>`);
  return parts.join('');
}

/** One edit that makes our metadata element list exactly the managed devices, or none if it does. */
function metadataEdit(doc: DomainDoc, layout: DomainLayout, wanted: MetaWant[]): Edit | undefined {
  if (sameEntries(doc, wanted)) return undefined;
  const { text } = layout;
  const { nl, unit, quote } = styleOf(layout);

  if (layout.mdev) {
    const el = layout.mdev;
    if (wanted.length === 0) return removeLines(text, el);
    const ind = indentOf(text, el) ?? '';
    return { start: el.start, end: el.end, text: mdevElementText(wanted, ind, unit, nl, quote) };
  }
  if (wanted.length === 0) return undefined;

  const md = layout.metadata;
  if (md) {
    const ind = indentOf(text, md) ?? '';
    const inner = ind + unit;
    const mdevText = mdevElementText(wanted, inner, unit, nl, quote);
    if (md.selfClosing) {
      return { start: md.start, end: md.end, text: `<${md.qname}>${nl}${inner}${mdevText}${nl}${ind}</${md.qname}>` };
    }
    const closeLine = lineStartIfOnlySpaceBefore(text, md.endTagStart);
    if (closeLine !== undefined) return { start: closeLine, end: closeLine, text: `${inner}${mdevText}${nl}` };
    return { start: md.endTagStart, end: md.endTagStart, text: `${nl}${inner}${mdevText}${nl}${ind}` };
  }

  // no <metadata>: libvirt writes it after name, uuid, genid, title and description
  const h = layout.head;
  const anchor = h.description ?? h.title ?? h.genid ?? h.uuid ?? h.name;
  const domainInd = indentOf(text, layout.domain) ?? '';
  const ind = anchor ? (indentOf(text, anchor) ?? domainInd + unit) : domainInd + unit;
  const block = `<metadata>${nl}${ind}${unit}${mdevElementText(wanted, ind + unit, unit, nl, quote)}${nl}${ind}</metadata>`;
  const at = anchor ? anchor.end : layout.domain.startTagEnd;
  return { start: at, end: at, text: `${nl}${ind}${block}` };
}

function lineStartIfOnlySpaceBefore(text: string, offset: number): number | undefined {
  let i = offset;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r' ? i : undefined;
}

/** Remove an element, and its whole line when it stands alone on it. */
function removeLines(text: string, el: ElementLoc): Edit {
  const lineStart = lineStartIfOnlySpaceBefore(text, el.start);
  let end = el.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (lineStart !== undefined && (end === text.length || text[end] === '\n' || text[end] === '\r')) {
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    return { start: lineStart, end, text: '' };
  }
  return { start: el.start, end: el.end, text: '' };
}
