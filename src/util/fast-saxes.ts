// A SaxesParser that stays a fast V8 object. saxes's on() stores each handler under a computed
// property name, and V8 turns an object with many fields into a slow hash-table ("dictionary") object
// after a few such keyed additions: from the seventh handler on, every field read in saxes's
// per-character loop became a hash lookup (a domain parse ran 4–5× slower). Creating the handler
// fields first, by literal name, keeps the object fast; on() then only overwrites existing fields.
// Every saxes parser of virt-mdev is made here (domain XML, small documents, node-device XML, status
// files). Literal stores, not a loop over the names: a computed key is what makes the object slow.
// Correctness never depends on these names: handlers are still set through on(); if a saxes version
// named its fields differently, the fields below would only be unused.
import { SaxesParser, type SaxesOptions } from 'saxes';

interface HandlerFields {
  xmldeclHandler: undefined; textHandler: undefined; piHandler: undefined; doctypeHandler: undefined;
  commentHandler: undefined; openTagStartHandler: undefined; attributeHandler: undefined;
  openTagHandler: undefined; closeTagHandler: undefined; cdataHandler: undefined; errorHandler: undefined;
  endHandler: undefined; readyHandler: undefined;
}

/** saxes's name checks for processing instruction targets and entity names (fields it picks by mode) */
interface NameChecks {
  nameStartCheck(c: number): boolean;
  nameCheck(c: number): boolean;
  isName(name: string): boolean;
}

const COLON = 0x3a;

/**
 * With namespaceNames, a parser made with xmlns: false still refuses a colon in a processing
 * instruction target or an entity name, as saxes's xmlns mode does (namespace-aware XML's NCName is
 * Name without ':'): for a caller that resolves namespaces itself (./xml-namespaces.ts).
 */
export function newSaxesParser<O extends SaxesOptions>(opt: O, extra: { namespaceNames?: boolean } = {}): SaxesParser<O> {
  const parser = new SaxesParser(opt);
  if (extra.namespaceNames && !opt.xmlns) {
    const names = parser as unknown as NameChecks;
    const { nameStartCheck, nameCheck, isName } = names;
    if (typeof nameStartCheck !== 'function' || typeof nameCheck !== 'function' || typeof isName !== 'function') {
      throw new Error('internal error: this saxes version has no name checks to make namespace-aware');
    }
    names.nameStartCheck = (c) => c !== COLON && nameStartCheck(c);
    names.nameCheck = (c) => c !== COLON && nameCheck(c);
    names.isName = (name) => !name.includes(':') && isName(name);
  }
  const fields = parser as unknown as HandlerFields;
  fields.xmldeclHandler = undefined;
  fields.textHandler = undefined;
  fields.piHandler = undefined;
  fields.doctypeHandler = undefined;
  fields.commentHandler = undefined;
  fields.openTagStartHandler = undefined;
  fields.attributeHandler = undefined;
  fields.openTagHandler = undefined;
  fields.closeTagHandler = undefined;
  fields.cdataHandler = undefined;
  fields.errorHandler = undefined;
  fields.endHandler = undefined;
  fields.readyHandler = undefined;
  return parser;
}
