// The hook's migrate/restore filter: give managed devices new UUIDs on this host by changing only the
// UUID attribute values (hostdev <source> and our metadata entries); every other byte stays as it was.
import { canonicalUuid } from '../util/validate.js';
import { applyEdits, type Edit } from './edits.js';
import { parseDomainXmlWithLayout } from './parse.js';
import { attr } from './scan.js';

/**
 * Replace mdev UUIDs: keys and values of `map` are UUIDs in any accepted spelling. Only
 * `<source><address uuid>`, `<source><mdev uuid>` of mdev hostdevs and `<virt-mdev:device uuid>` values
 * change, each to the canonical new UUID. Throws VirtMdevError like parseDomainXml.
 */
export function rewriteUuids(text: string, map: Map<string, string>, file?: string): string {
  const canon = new Map<string, string>();
  for (const [from, to] of map) canon.set(canonicalUuid(from), canonicalUuid(to));
  if (canon.size === 0) return text;
  // the hook's filter: libvirt has accepted this document already, so only our own rules apply
  const { layout } = parseDomainXmlWithLayout(text, file, { libvirtRules: false });
  const edits: Edit[] = [];
  const consider = (a: ReturnType<typeof attr>): void => {
    if (!a) return;
    const to = canon.get(canonicalUuid(a.value));
    if (to !== undefined) edits.push({ start: a.valueStart, end: a.valueEnd, text: to });
  };
  for (const h of layout.hostdevs) consider(attr(h.sourceChild, 'uuid'));
  for (const e of layout.entries) consider(attr(e, 'uuid'));
  return applyEdits(text, edits);
}
