// Namespace resolution and the namespace well-formedness checks of saxes's xmlns mode, for a parser
// run with xmlns: false (see newSaxesParser's namespaceNames). saxes's xmlns mode makes a namespace
// object for every element and a record for every attribute, and copies each start tag's attributes
// into a Set: for a large domain that was most of what the parse allocated. Here an element that
// declares nothing costs nothing, and the checks, their order and their messages are saxes's own, so
// a document is refused exactly when, where and with the words it was before.
// Use: attribute() from the 'attribute' handler, openTag() from 'opentag', closeTag() from 'closetag',
// and beforeDuplicateError() when saxes reports a duplicate attribute (see there).

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

export class NamespaceScopes {
  /** namespace declarations in force, innermost last: prefix ('' for the default namespace) and URI */
  private readonly prefixes: string[] = [];
  private readonly uris: string[] = [];
  /** the depth of the element that made each declaration (the root is at 1) */
  private readonly depths: number[] = [];
  /** open elements */
  private depth = 0;
  /** the attribute names of the start tag being read, in order: the first `count` (the array is reused) */
  private readonly names: string[] = [];
  private count = 0;
  /** how many of them have a prefix */
  private prefixed = 0;

  /**
   * `fail` reports an error as saxes's fail() would (the parser's own fail(): same position and
   * handler); `xml10` says whether the document is XML 1.0, where a prefix cannot be undeclared.
   */
  constructor(private readonly fail: (message: string) => void, private readonly xml10: () => boolean) {}

  /** An attribute of the start tag being read, when saxes has read it (saxes's pushAttribNS). */
  attribute(name: string, value: string): void {
    this.names[this.count++] = name;
    const colon = name.indexOf(':');
    if (colon < 0) {
      if (name === 'xmlns') this.declare('', value.trim());
      return;
    }
    this.prefixed++;
    const local = this.checkedLocal(name, colon);
    if (colon === 5 && name.startsWith('xmlns')) {
      const uri = value.trim();
      if (uri === '' && this.xml10()) this.fail('invalid attempt to undefine prefix in XML 1.0');
      this.declare(local, uri);
    }
  }

  /**
   * The start tag named `name` is complete: its namespace URI, after saxes's checks of the element's
   * prefix and of its attributes' prefixes and expanded names (saxes's processAttribsNS).
   */
  openTag(name: string): string {
    const uri = this.checkStartTag(name);
    this.depth++;
    this.count = 0;
    this.prefixed = 0;
    return uri;
  }

  /** The innermost open element ends: its declarations go out of scope. */
  closeTag(): void {
    const { depths } = this;
    while (depths.length > 0 && depths[depths.length - 1] >= this.depth) {
      depths.pop();
      this.prefixes.pop();
      this.uris.pop();
    }
    this.depth--;
  }

  /**
   * Without xmlns, saxes finds an attribute written twice before any namespace check of the start
   * tag ran; with it, those checks came first. Call this before reporting saxes's duplicate-attribute
   * error: it fails with whatever xmlns mode would have reported first (the duplicate itself, in
   * xmlns mode's words, when nothing else).
   */
  beforeDuplicateError(name: string): void {
    this.checkStartTag(name, true);
  }

  /** saxes's checks of a complete start tag; returns the element's namespace URI */
  private checkStartTag(name: string, everyAttribute = false): string {
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    if (colon >= 0) this.checkedLocal(name, colon);
    const uri = this.resolve(prefix) ?? '';
    if (prefix !== '') {
      if (prefix === 'xmlns') this.fail('tags may not have "xmlns" as prefix.');
      if (uri === '') this.fail(`unbound namespace prefix: ${JSON.stringify(prefix)}.`);
    }
    // saxes without xmlns has refused names written twice: only two prefixed names can still clash
    if (this.count === 0 || (this.prefixed === 0 && !everyAttribute)) return uri;
    const seen = new Set<string>();
    for (let i = 0; i < this.count; i++) {
      const n = this.names[i];
      const c = n.indexOf(':');
      let eqname = n;
      if (c >= 0) {
        const p = n.slice(0, c);
        const u = this.resolve(p);
        if (u === undefined) this.fail(`unbound namespace prefix: ${JSON.stringify(p)}.`);
        eqname = `{${u ?? p}}${n.slice(c + 1)}`;
      }
      if (seen.has(eqname)) this.fail(`duplicate attribute: ${eqname}.`);
      seen.add(eqname);
    }
    return uri;
  }

  /** the URI a prefix is bound to where the start tag being read is, undefined when unbound */
  private resolve(prefix: string): string | undefined {
    const { prefixes } = this;
    for (let i = prefixes.length - 1; i >= 0; i--) if (prefixes[i] === prefix) return this.uris[i];
    if (prefix === 'xml') return XML_NAMESPACE;
    if (prefix === 'xmlns') return XMLNS_NAMESPACE;
    return undefined;
  }

  /** the local part of a prefixed name, after saxes's check that it is prefix:local */
  private checkedLocal(name: string, colon: number): string {
    const local = name.slice(colon + 1);
    if (colon === 0 || local === '' || local.includes(':')) this.fail(`malformed name: ${name}.`);
    return local;
  }

  /** a declaration on the start tag being read (saxes's nsPairCheck follows it) */
  private declare(prefix: string, uri: string): void {
    this.prefixes.push(prefix);
    this.uris.push(uri);
    this.depths.push(this.depth + 1);
    this.checkPair(prefix, uri);
  }

  private checkPair(prefix: string, uri: string): void {
    if (prefix === 'xml' && uri !== XML_NAMESPACE) this.fail(`xml prefix must be bound to ${XML_NAMESPACE}.`);
    if (prefix === 'xmlns' && uri !== XMLNS_NAMESPACE) this.fail(`xmlns prefix must be bound to ${XMLNS_NAMESPACE}.`);
    if (uri === XMLNS_NAMESPACE) {
      this.fail(prefix === '' ? `the default namespace may not be set to ${uri}.`
        : `may not assign a prefix (even "xmlns") to the URI ${XMLNS_NAMESPACE}.`);
    } else if (uri === XML_NAMESPACE && prefix !== 'xml') {
      this.fail(prefix === '' ? `the default namespace may not be set to ${uri}.` : 'may not assign the xml namespace to another prefix.');
    }
  }
}
