// Bounds on the shape of every XML document we parse with saxes (domain XML in the hook and
// transform, node-device XML, pool definitions, libvirt's status files). saxes resolves each
// element's namespace by walking every open element, so an unbounded depth costs quadratic time
// (50,000 nested elements took seconds in the hook); an unbounded element count costs memory.
// Each parser checks at every start tag, before saxes does that walk, so a hostile document is
// refused in time linear in what was read.

/**
 * Open elements a start tag may sit in, as libxml2's default (XML_PARSE_HUGE off): `validate`, which
 * parses with libxml2, refuses deeper documents ("Excessive depth in document: 256"), and libvirt
 * cannot parse them either.
 */
export const MAX_XML_DEPTH = 256;

/**
 * Elements per document: far above libvirt's status file of a domain with 10,000 mdev hostdevs
 * (about 61,000 elements: hostdev, source, address, alias, guest address, plus our metadata).
 */
export const MAX_XML_ELEMENTS = 250_000;

/**
 * What is wrong with one more start tag, `depth` = elements open around it plus one (the root is 1),
 * `count` = elements so far including it; undefined when it is fine. The caller adds the position
 * and the element's name.
 */
export function xmlShapeProblem(depth: number, count: number): { reason: 'xml-too-deep' | 'xml-too-many-elements'; message: string } | undefined {
  if (depth > MAX_XML_DEPTH) {
    return { reason: 'xml-too-deep',
      message: `elements nested more than ${MAX_XML_DEPTH} deep: libvirt (libxml2) refuses such documents too; refusing to read further` };
  }
  if (count > MAX_XML_ELEMENTS) {
    return { reason: 'xml-too-many-elements',
      message: `more than ${MAX_XML_ELEMENTS} elements: far more than any libvirt document holds; refusing to read further` };
  }
  return undefined;
}
