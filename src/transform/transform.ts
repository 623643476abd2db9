// Turns any accepted mdev hostdev form into the XML libvirt 9.0 accepts, as a list of small edits to
// the original text: everything outside the changed hostdev tags and our metadata keeps its bytes.
import { METADATA_ELEMENT, METADATA_ENTRY, VIRT_MDEV_NS, VIRT_MDEV_PREFIX } from '../domainxml/namespace.js';
import { parseDomainXmlWithLayout, type DomainLayout, type HostdevLayout } from '../domainxml/parse.js';
import type { ElementLoc } from '../domainxml/scan.js';
import type { DomainDoc, MdevHostdev } from '../domainxml/types.js';
import { deriveMdevUuid } from '../domainxml/uuid5.js';
import { DevicePlans, type MetaWant, type PlannedDevice } from './device-plans.js';
import { PlannedEdits, type PiecesEdit } from './planned-edits.js';

export type { PlannedDevice } from './device-plans.js';

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

export function transformDomainXml(text: string, file = '<stdin>'): TransformResult {
  const edits = new PlannedEdits();
  const plans = new DevicePlans();
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
    const before = edits.count;
    hostdevEdits(h, lay, plans.count, edits);
    plans.add(h, uuid, generated, edits.count > before);
  };
  const { doc, layout } = parseDomainXmlWithLayout(text, file, { onHostdev });
  const warnings = [...doc.warnings, ...noUuidWarnings];

  const metaEdit = metadataEdit(doc, layout, plans.wanted());
  const output = edits.join(text, (d) => plans.uuid(d), metaEdit);
  return {
    file, output, changed: output !== text, domain: { name: doc.name, uuid: doc.uuid }, devices: plans.devices(),
    metadataChanged: metaEdit !== undefined, warnings,
  };
}

function quoteOf(el: ElementLoc): string {
  return el.quote ?? "'";
}

/**
 * libvirt's form: type='mdev' model=… <source><address uuid=…/></source>; guest <address> untouched.
 * `device` is the hostdev's place in the plan: its <address> gets that device's UUID.
 */
function hostdevEdits(h: MdevHostdev, lay: HostdevLayout, device: number, edits: PlannedEdits): void {
  const typeA = lay.attr('type')!;
  const q = typeA.quote;
  if (typeA.value !== 'mdev') edits.replace(typeA.valueStart, typeA.valueEnd, 'mdev');
  if (!lay.attr('model')) {
    const at = typeA.valueEnd + 1;
    edits.replace(at, at, ` model=${q}${h.model}${q}`);
  }
  if (h.form !== 'libvirt') {
    const child = lay.sourceChildPlace!;
    edits.address(child.start, child.end, device, quoteOf(child));
  }
}

function sameEntries(doc: DomainDoc, wanted: MetaWant[]): boolean {
  if (doc.metadata.length !== wanted.length) return false;
  return wanted.every((w, i) => {
    const m = doc.metadata[i];
    return m.uuid === w.uuid && m.type === w.type && m.parent === w.parent && m.pool === w.pool;
  });
}

/** Text layout conventions of the document, so inserted lines look like their neighbours. */
interface Style {
  /** the line end ('' for a document on one line) */
  nl: string;
  /** one level of indentation */
  unit: string;
  quote: string;
}

function styleOf(layout: DomainLayout): Style {
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

/**
 * Our metadata element listing `wanted`, in pieces, with `before` and `after` around it: thousands of
 * entries make no string per entry, nor one of the whole element (the pieces join the output's).
 */
function mdevElementPieces(wanted: MetaWant[], indent: string, s: Style, before: string, after: string): string[] {
  const { nl, unit, quote: q } = s;
  const p = VIRT_MDEV_PREFIX;
  const parts = [before, `<${p}:${METADATA_ELEMENT} xmlns:${p}=${q}${VIRT_MDEV_NS}${q}>`];
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
  parts.push(`${nl}${indent}</${p}:${METADATA_ELEMENT}>`, after);
  return parts;
}

/** One edit that makes our metadata element list exactly the managed devices, or none if it does. */
function metadataEdit(doc: DomainDoc, layout: DomainLayout, wanted: MetaWant[]): PiecesEdit | undefined {
  if (sameEntries(doc, wanted)) return undefined;
  const { text } = layout;
  const style = styleOf(layout);
  const { nl, unit } = style;

  if (layout.mdev) {
    const el = layout.mdev;
    if (wanted.length === 0) return removeLines(text, el);
    const ind = indentOf(text, el) ?? '';
    return { start: el.start, end: el.end, pieces: mdevElementPieces(wanted, ind, style, '', '') };
  }
  if (wanted.length === 0) return undefined;

  const md = layout.metadata;
  if (md) {
    const ind = indentOf(text, md) ?? '';
    const inner = ind + unit;
    if (md.selfClosing) {
      return { start: md.start, end: md.end, pieces: mdevElementPieces(wanted, inner, style, `<${md.qname}>${nl}${inner}`, `${nl}${ind}</${md.qname}>`) };
    }
    const closeLine = lineStartIfOnlySpaceBefore(text, md.endTagStart);
    if (closeLine !== undefined) return { start: closeLine, end: closeLine, pieces: mdevElementPieces(wanted, inner, style, inner, nl) };
    return { start: md.endTagStart, end: md.endTagStart, pieces: mdevElementPieces(wanted, inner, style, `${nl}${inner}`, `${nl}${ind}`) };
  }

  // no <metadata>: libvirt writes it after name, uuid, genid, title and description
  const h = layout.head;
  const anchor = h.description ?? h.title ?? h.genid ?? h.uuid ?? h.name;
  const domainInd = indentOf(text, layout.domain) ?? '';
  const ind = anchor ? (indentOf(text, anchor) ?? domainInd + unit) : domainInd + unit;
  const at = anchor ? anchor.end : layout.domain.startTagEnd;
  return { start: at, end: at, pieces: mdevElementPieces(wanted, ind + unit, style, `${nl}${ind}<metadata>${nl}${ind}${unit}`, `${nl}${ind}</metadata>`) };
}

function lineStartIfOnlySpaceBefore(text: string, offset: number): number | undefined {
  let i = offset;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r' ? i : undefined;
}

/** Remove an element, and its whole line when it stands alone on it. */
function removeLines(text: string, el: ElementLoc): PiecesEdit {
  const lineStart = lineStartIfOnlySpaceBefore(text, el.start);
  let end = el.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (lineStart !== undefined && (end === text.length || text[end] === '\n' || text[end] === '\r')) {
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    return { start: lineStart, end, pieces: [] };
  }
  return { start: el.start, end: el.end, pieces: [] };
}
