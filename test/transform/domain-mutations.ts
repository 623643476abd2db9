// Domain documents for the property tests: the corpus (samples and test data) read into a small tree,
// mutated (hostdevs inserted, removed or cloned; metadata of ours and of others; deep nesting; odd
// values; text as CDATA), then written back in a random style (attribute order, quoting, spacing,
// empty-element forms, comments, line endings, prolog, byte-order mark) and encoded as UTF-8 or ISO-8859-1.
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import { repoRoot } from '../helpers/cli.js';

export type XNode =
  | { k: 'el'; name: string; attrs: Array<[string, string]>; children: XNode[] }
  | { k: 'text'; v: string }
  | { k: 'cdata'; v: string }
  | { k: 'comment'; v: string }
  | { k: 'pi'; target: string; body: string };
export type XEl = Extract<XNode, { k: 'el' }>;

export interface Seed {
  file: string;
  root: XEl;
  /** comments and processing instructions before the root */
  before: XNode[];
}

/** Every domain document of the corpus that is well-formed UTF-8, as a tree. */
export function domainSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const file of corpusDomainFiles()) {
    const seed = readTree(fs.readFileSync(file), path.relative(repoRoot, file));
    // counterexamples name the file, not the whole tree
    if (seed) seeds.push(Object.defineProperty(seed, fc.toStringMethod, { value: () => seed.file }));
  }
  return seeds;
}

/** samples/domains (all levels) and the domain documents under test/data. */
export function corpusDomainFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xml') && /<domain[\s>]/.test(fs.readFileSync(p, 'latin1'))) out.push(p);
    }
  };
  walk(path.join(repoRoot, 'samples/domains'));
  walk(path.join(repoRoot, 'test/data'));
  return out.sort();
}

function readTree(bytes: Buffer, file: string): Seed | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const parser = new SaxesParser({ xmlns: false });
  const stack: XEl[] = [];
  const before: XNode[] = [];
  let root: XEl | undefined;
  let failed = false;
  const add = (n: XNode): void => {
    const top = stack[stack.length - 1];
    if (top) top.children.push(n);
    else if (!root && n.k !== 'text') before.push(n);
  };
  parser.on('error', () => { failed = true; });
  parser.on('doctype', () => { failed = true; });
  parser.on('opentag', (tag) => {
    const el: XEl = { k: 'el', name: tag.name, attrs: Object.entries(tag.attributes as Record<string, string>).map(([n, a]) => [n, a]), children: [] };
    if (stack.length === 0) root ??= el;
    else add(el);
    stack.push(el);
  });
  parser.on('closetag', () => { stack.pop(); });
  parser.on('text', (v) => { if (stack.length) add({ k: 'text', v }); });
  parser.on('cdata', (v) => add({ k: 'cdata', v }));
  parser.on('comment', (v) => add({ k: 'comment', v }));
  parser.on('processinginstruction', (pi) => { if (pi.target.toLowerCase() !== 'xml') add({ k: 'pi', target: pi.target, body: pi.body }); });
  try {
    parser.write(text).close();
  } catch {
    return undefined;
  }
  if (failed || !root || root.name !== 'domain') return undefined;
  return { file, root, before };
}

// ---- mutations ----------------------------------------------------------------------------------

const NS = 'http://virt-mdev.org/xmlns/domain/1.0';
const TYPES = ['mtty-1', 'mtty-2', 'nvidia-63', 'i915-GVTg_V5_4', 'vfio_ap-passthrough'];
const MODELS = ['vfio-pci', 'vfio-ccw', 'vfio-ap'];

const el = (name: string, attrs: Array<[string, string]> = [], children: XNode[] = []): XEl => ({ k: 'el', name, attrs, children });

export type Mutation =
  | { op: 'insert-hostdev'; form: number; at: number; uuid: string; type: number; model: number; value: string }
  | { op: 'remove-hostdev'; at: number }
  | { op: 'clone-hostdev'; at: number }
  | { op: 'foreign-metadata'; at: number }
  | { op: 'our-metadata'; uuids: string[]; type: number; prefix: string }
  | { op: 'nest'; depth: number; where: 'devices' | 'metadata' | 'domain' }
  | { op: 'odd-value'; at: number; attr: 'uuid' | 'type' | 'parent' | 'pool' | 'model' | 'managed'; value: string }
  | { op: 'non-ascii'; text: string; where: 'comment' | 'description' | 'name' }
  | { op: 'cdata'; at: number };

/** Mutations that keep a document's meaning: a document accepted before must be accepted after, with the same devices. */
export const MEANING_KEEPING = new Set<Mutation['op']>(['foreign-metadata', 'cdata']);

const uuidArb = fc.oneof(fc.uuid(), fc.constantFrom('0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b', '0B2F5A3E6C1D4E8F9A7B1C2D3E4F5A6B'));
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc', 'a/b', 'mtty-1 ', '\u00a0mtty-1', 'x'.repeat(300), '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6', '{0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b}',
    'pci_0000_00_02_0', '0000:00:02.0', 'yes', 'no', 'YES', 'vfio-pci', 'pci', '&amp;', '<', "'\""),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert-hostdev' as const), form: fc.nat(7), at: fc.nat(), uuid: uuidArb, type: fc.nat(TYPES.length - 1), model: fc.nat(MODELS.length), value: oddString }),
  fc.record({ op: fc.constant('remove-hostdev' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('clone-hostdev' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('foreign-metadata' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('our-metadata' as const), uuids: fc.array(uuidArb, { maxLength: 3 }), type: fc.nat(TYPES.length), prefix: fc.constantFrom('virt-mdev', 'vm', 'a') }),
  fc.record({ op: fc.constant('nest' as const), depth: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 240, max: 270 })), where: fc.constantFrom('devices' as const, 'metadata' as const, 'domain' as const) }),
  fc.record({ op: fc.constant('odd-value' as const), at: fc.nat(), attr: fc.constantFrom('uuid' as const, 'type' as const, 'parent' as const, 'pool' as const, 'model' as const, 'managed' as const), value: oddString }),
  fc.record({ op: fc.constant('non-ascii' as const), text: fc.constantFrom('Grüße', 'café — naïve', 'Ünïcödé ß', 'ÿ'), where: fc.constantFrom('comment' as const, 'description' as const, 'name' as const) }),
  fc.record({ op: fc.constant('cdata' as const), at: fc.nat() }),
);

function clone<T extends XNode>(n: T): T {
  return JSON.parse(JSON.stringify(n)) as T;
}

function child(e: XEl, name: string): XEl | undefined {
  return e.children.find((c): c is XEl => c.k === 'el' && c.name === name);
}

function allElements(e: XEl, out: XEl[] = []): XEl[] {
  out.push(e);
  for (const c of e.children) if (c.k === 'el') allElements(c, out);
  return out;
}

function devicesOf(root: XEl): XEl {
  let d = child(root, 'devices');
  if (!d) root.children.push(d = el('devices'));
  return d;
}

function metadataOf(root: XEl): XEl {
  let m = child(root, 'metadata');
  if (!m) root.children.splice(Math.min(2, root.children.length), 0, m = el('metadata'));
  return m;
}

function hostdevs(root: XEl): XEl[] {
  return devicesOf(root).children.filter((c): c is XEl => c.k === 'el' && c.name === 'hostdev');
}

function newHostdev(m: Extract<Mutation, { op: 'insert-hostdev' }>): XEl {
  const type = TYPES[m.type]!;
  const model: Array<[string, string]> = m.model < MODELS.length ? [['model', MODELS[m.model]!]] : [];
  const base: Array<[string, string]> = [['mode', 'subsystem'], ['type', 'mdev']];
  switch (m.form) {
    case 0: return el('hostdev', [...base, ['managed', 'yes'], ...model], [el('source', [], [el('mdev', [['type', type]])])]);
    case 1: return el('hostdev', [...base, ['managed', 'yes'], ...model], [el('source', [], [el('mdev', [['type', type], ['uuid', m.uuid]])])]);
    case 2: return el('hostdev', [...base, ['managed', 'yes'], ...model], [el('source', [], [el('mdev', [['type', type], ['parent', m.value]])])]);
    case 3: return el('hostdev', [...base, ['managed', 'yes'], ...model], [el('source', [], [el('mdev', [['pool', m.value]])])]);
    case 4: return el('hostdev', [...base, ['managed', 'no'], ...model], [el('source', [], [el('address', [['uuid', m.uuid]])])]);
    case 5: return el('hostdev', [...base, ['managed', 'yes'], ...model], [el('source', [], [el('address', [['uuid', m.uuid]])])]);
    case 6: return el('hostdev', [['mode', 'subsystem'], ['type', 'pci'], ['managed', 'yes']], [el('source', [], [el('address', [['domain', '0x0000'], ['bus', '0x03'], ['slot', '0x00'], ['function', '0x0']])])]);
    default: return el('hostdev', [...base, ['managed', m.value], ...model], [el('source', [], [el('mdev', [['type', m.value]])])]);
  }
}

/** Apply one mutation in place. */
export function mutate(root: XEl, m: Mutation): void {
  switch (m.op) {
    case 'insert-hostdev': {
      const d = devicesOf(root);
      d.children.splice(m.at % (d.children.length + 1), 0, newHostdev(m));
      break;
    }
    case 'remove-hostdev': case 'clone-hostdev': {
      const hs = hostdevs(root);
      if (hs.length === 0) break;
      const h = hs[m.at % hs.length]!;
      const d = devicesOf(root);
      const i = d.children.indexOf(h);
      if (m.op === 'remove-hostdev') d.children.splice(i, 1);
      else d.children.splice(i + 1, 0, clone(h));
      break;
    }
    case 'foreign-metadata': {
      const md = metadataOf(root);
      const other = el('app:info', [['xmlns:app', 'http://example.org/app/1'], ['note', 'kept & "quoted"']], [el('app:item', [['n', '1']], [{ k: 'text', v: 'x < y' }])]);
      md.children.splice(m.at % (md.children.length + 1), 0, other);
      break;
    }
    case 'our-metadata': {
      const p = m.prefix;
      const entries = m.uuids.map((u) => el(`${p}:device`, [['uuid', u], ...(m.type < TYPES.length ? [['type', TYPES[m.type]!] as [string, string]] : [])]));
      metadataOf(root).children.push(el(`${p}:mdev`, [[`xmlns:${p}`, NS]], entries));
      break;
    }
    case 'nest': {
      const host = m.where === 'devices' ? devicesOf(root) : m.where === 'metadata' ? metadataOf(root) : root;
      let inner: XEl = el('n:deep', [['xmlns:n', 'urn:deep']]);
      const top = inner;
      for (let i = 1; i < m.depth; i++) {
        const next = el('n:deep');
        inner.children.push(next);
        inner = next;
      }
      host.children.push(top);
      break;
    }
    case 'odd-value': {
      const targets = allElements(root).filter((e) => ['hostdev', 'mdev', 'address', 'virt-mdev:device'].includes(e.name) && (e.name !== 'address' || e.attrs.some(([n]) => n === 'uuid')));
      if (targets.length === 0) break;
      const t = targets[m.at % targets.length]!;
      const a = t.attrs.find(([n]) => n === m.attr);
      if (a) a[1] = m.value;
      else t.attrs.push([m.attr, m.value]);
      break;
    }
    case 'non-ascii': {
      if (m.where === 'comment') root.children.unshift({ k: 'comment', v: ` ${m.text} ` });
      else if (m.where === 'description') root.children.splice(1, 0, el('description', [], [{ k: 'text', v: m.text }]));
      else {
        const n = child(root, 'name');
        if (n) n.children = [{ k: 'text', v: m.text }];
      }
      break;
    }
    case 'cdata': {
      const withText = allElements(root).filter((e) => e.children.some((c) => c.k === 'text' && c.v.trim() !== '' && !c.v.includes(']]>')));
      if (withText.length === 0) break;
      const e = withText[m.at % withText.length]!;
      e.children = e.children.map((c) => (c.k === 'text' && c.v.trim() !== '' ? { k: 'cdata', v: c.v } : c));
      break;
    }
  }
}

// ---- writing ------------------------------------------------------------------------------------

export interface Style {
  quote: 'single' | 'double' | 'mixed';
  shuffle: boolean;
  attrSpace: string;
  eq: string;
  empty: 'self' | 'self-space' | 'pair' | 'mixed';
  whitespace: 'keep' | 'none' | 'crlf' | 'tabs' | 'cr';
  comments: number;
  decl: '' | `<?xml version='1.0'?>` | '<?xml version="1.0" encoding="UTF-8"?>' | "<?xml version='1.0' encoding='utf-8' standalone='yes'?>"
    | "<?xml version='1.0' encoding='ISO-8859-1'?>" | '<?xml version="1.0" encoding="UTF-16"?>';
  bom: boolean;
  finalNewline: boolean;
  encoding: 'utf-8' | 'latin1';
  /** drives the per-node choices (attribute order, quote per attribute, where comments go) */
  noise: number;
}

export const styleArb: fc.Arbitrary<Style> = fc.record({
  quote: fc.constantFrom('single' as const, 'double' as const, 'mixed' as const),
  shuffle: fc.boolean(),
  attrSpace: fc.constantFrom(' ', '  ', '\n      ', '\t', ' \r\n '),
  eq: fc.constantFrom('=', ' = ', '=\n', '\t='),
  empty: fc.constantFrom('self' as const, 'self-space' as const, 'pair' as const, 'mixed' as const),
  whitespace: fc.constantFrom('keep' as const, 'none' as const, 'crlf' as const, 'tabs' as const, 'cr' as const),
  comments: fc.constantFrom(0, 0, 0.1, 0.4),
  decl: fc.constantFrom('' as const, `<?xml version='1.0'?>` as const, '<?xml version="1.0" encoding="UTF-8"?>' as const,
    "<?xml version='1.0' encoding='utf-8' standalone='yes'?>" as const, "<?xml version='1.0' encoding='ISO-8859-1'?>" as const,
    '<?xml version="1.0" encoding="UTF-16"?>' as const),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  encoding: fc.constantFrom('utf-8' as const, 'utf-8' as const, 'latin1' as const),
  noise: fc.integer(),
});

/** a small deterministic generator for the per-node choices */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const escText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string, q: string): string => escText(s).replace(q === "'" ? /'/g : /"/g, q === "'" ? '&apos;' : '&quot;')
  // attribute value normalisation would turn these into spaces: keep them as character references
  .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

/** XML 1.0 Char: what may appear in a document at all (the rest is written as nothing) */
// eslint-disable-next-line no-control-regex
const notXmlChar = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The document as text in this style. */
export function writeDocument(seed: { root: XEl; before: XNode[] }, style: Style): string {
  const rnd = prng(style.noise);
  const nl = style.whitespace === 'crlf' ? '\r\n' : style.whitespace === 'cr' ? '\r' : '\n';
  const quote = (): string => (style.quote === 'single' ? "'" : style.quote === 'double' ? '"' : rnd() < 0.5 ? "'" : '"');
  const comment = (): string => `<!-- c${Math.floor(rnd() * 1000)} <hostdev type='mdev'> -->`;

  const node = (n: XNode, depth: number): string => {
    switch (n.k) {
      case 'text': {
        const v = n.v.replace(notXmlChar, '');
        if (style.whitespace === 'keep') return escText(v);
        if (v.trim() === '') return '';
        return escText(style.whitespace === 'crlf' ? v.replace(/\n/g, '\r\n') : v);
      }
      case 'cdata': return `<![CDATA[${n.v}]]>`;
      case 'comment': return `<!--${n.v.replace(/--/g, '- -').replace(/-$/, '- ')}-->`;
      case 'pi': return `<?${n.target}${n.body ? ' ' + n.body : ''}?>`;
      case 'el': {
        const attrs = n.attrs.slice();
        if (style.shuffle) {
          for (let i = attrs.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [attrs[i], attrs[j]] = [attrs[j]!, attrs[i]!];
          }
        }
        const a = attrs.map(([k, v]) => {
          const q = quote();
          return `${style.attrSpace}${k}${style.eq}${q}${escAttr(v.replace(notXmlChar, ''), q)}${q}`;
        }).join('');
        if (n.children.length === 0) {
          const form = style.empty === 'mixed' ? (['self', 'self-space', 'pair'] as const)[Math.floor(rnd() * 3)]! : style.empty;
          return form === 'pair' ? `<${n.name}${a}></${n.name}>` : `<${n.name}${a}${form === 'self-space' ? ' ' : ''}/>`;
        }
        const reindent = style.whitespace === 'tabs' || style.whitespace === 'crlf' || style.whitespace === 'cr';
        const hasText = n.children.some((c) => (c.k === 'text' && c.v.trim() !== '') || c.k === 'cdata');
        let inner = '';
        for (const c of n.children) {
          if (style.comments > 0 && rnd() < style.comments) inner += comment();
          if (reindent && !hasText && c.k !== 'text') inner += nl + '\t'.repeat(depth + 1);
          inner += node(c, depth + 1);
        }
        if (reindent && !hasText) inner += nl + '\t'.repeat(depth);
        return `<${n.name}${a}>${inner}</${n.name}>`;
      }
    }
  };

  const parts: string[] = [];
  if (style.decl) parts.push(style.decl);
  for (const b of seed.before) parts.push(node(b, 0));
  parts.push(node(seed.root, 0));
  const sep = style.whitespace === 'none' ? '' : nl;
  return (style.bom ? '\ufeff' : '') + parts.join(sep) + (style.finalNewline ? nl : '');
}

/** The bytes of the document: UTF-8, or ISO-8859-1 (no byte-order mark; characters past U+00FF become '?'). */
export function encode(text: string, encoding: Style['encoding']): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  // eslint-disable-next-line no-control-regex
  return Buffer.from(text.replace(/^\ufeff/, '').replace(/[^\u0000-\u00ff]/g, '?'), 'latin1');
}

export function cloneRoot(root: XEl): XEl {
  return clone(root);
}
