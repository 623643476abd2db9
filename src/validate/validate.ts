// `virt-mdev validate`: one Validator per run compiles each schema once and checks any number of
// documents. Per document: refuse a DOCTYPE, parse with libxml2 (no entities, no network), detect
// the kind from the root element, check the mdev parts against virt-mdev's schemas and, when
// libvirt's schemas are there, the whole document against libvirt's. Then the cross-hostdev rules
// libvirt applies at define time (semantics.ts): duplicate UUIDs, two ramfb='on', and so on.
//
// Authoring forms (<source><mdev …>: the discussion's forms and our managed form) are virt-mdev's
// input language, not libvirt XML. libvirt's domain.rng would reject them, so for such a document:
//   default (auto)  libvirt's check is skipped and a note says "not yet libvirt-ready: run virt-mdev
//                   transform"; the document is valid if virt-mdev's schemas accept it;
//   --libvirt       the document must be ready for `virsh define`: each authoring hostdev is an error
//                   ("not yet libvirt-ready") and libvirt's schemas must be installed (else exit 2);
//   --no-libvirt    only virt-mdev's schemas are used.
import * as path from 'node:path';
import type * as Libxml from 'libxml2-wasm';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { SchemaSet, validatorAddress } from '../schemas/compile.js';
import { VALIDATED_PARSE_OPTIONS, libxmlInstance, type LibxmlModule } from '../schemas/libxml.js';
import { untouched } from '../schemas/memory-image.js';
import { loadCachedSchemas, saveCachedSchemas } from '../schemas/schema-cache.js';
import { DEFAULT_LIBVIRT_SCHEMAS, LIBVIRT_SCHEMA, OUR_SCHEMA, fileExists, ourSchemaPath } from '../schemas/locate.js';
import { explainDomain, isAuthoringHostdev } from './explain.js';
import { explainPool } from './explain-pool.js';
import { findingsFromDetails, type Finding } from './findings.js';
import { utf8DocumentProblem } from '../util/xml-encoding.js';
import { checkProlog } from './prolog.js';
import { domainRules } from './semantics.js';
import { scanDocument, walk, type ScannedElement } from './scan.js';

export type DocumentKind = 'domain' | 'nodedev' | 'pool';

/** the kinds libvirt has a schema for */
type LibvirtKind = keyof typeof LIBVIRT_SCHEMA;

export type LibvirtCheck =
  /** libvirt's schema accepted or rejected the document (see findings) */
  | 'checked'
  /** authoring forms present, default mode: skipped, see notes */
  | 'skipped-authoring'
  /** authoring forms present under --libvirt: reported as findings */
  | 'not-ready'
  /** no libvirt schema for this kind in the directory */
  | 'not-installed'
  /** --no-libvirt */
  | 'disabled'
  /** the document did not get that far (malformed, unknown kind) */
  | 'not-run'
  /** a virt-mdev document (a pool definition): libvirt has no schema for it */
  | 'not-applicable';

export interface FileResult {
  file: string;
  kind?: DocumentKind;
  /** valid: no findings; invalid: findings; error: could not be read (see ioError) */
  status: 'valid' | 'invalid' | 'error';
  findings: Finding[];
  notes: string[];
  /** schema files applied, by short name */
  schemas: string[];
  libvirt: LibvirtCheck;
  ioError?: string;
  ms: number;
}

export interface ValidateOptions {
  /** true: require libvirt-ready documents and libvirt's schemas; false: skip; undefined: when installed */
  libvirt?: boolean;
  /** directory holding libvirt's domain.rng and nodedev.rng (default /usr/share/libvirt/schemas) */
  libvirtSchemasDir?: string;
}

export class Validator implements Disposable {
  private readonly lx: LibxmlModule;
  private readonly schemas: SchemaSet;
  private readonly libvirtMode: boolean | undefined;
  readonly libvirtDir: string;
  private readonly libvirtThere = new Map<LibvirtKind, boolean>();

  constructor(lx: LibxmlModule, opts: ValidateOptions = {}) {
    this.lx = lx;
    this.libvirtMode = opts.libvirt;
    this.libvirtDir = path.resolve(opts.libvirtSchemasDir ?? DEFAULT_LIBVIRT_SCHEMAS);
    if (opts.libvirt !== false) {
      const domainRng = path.join(this.libvirtDir, LIBVIRT_SCHEMA.domain);
      if ((opts.libvirt === true || opts.libvirtSchemasDir !== undefined) && !fileExists(domainRng)) {
        throw new VirtMdevError(ExitCode.USAGE, 'libvirt-schemas-missing',
          `libvirt's schemas not found: ${domainRng} does not exist; install them (Debian: apt-get install libvirt0) or pass --libvirt-schemas DIR, or use --no-libvirt`);
      }
    }
    this.schemas = new SchemaSet(lx);
  }

  /** Whether libvirt's schema for a kind is there to be used: looked up once per run, not per document. */
  libvirtAvailable(kind: LibvirtKind): boolean {
    let yes = this.libvirtThere.get(kind);
    if (yes === undefined) {
      yes = this.libvirtMode !== false && fileExists(path.join(this.libvirtDir, LIBVIRT_SCHEMA[kind]));
      this.libvirtThere.set(kind, yes);
    }
    return yes;
  }

  /**
   * Compile what every domain document needs before the first file, so a broken schema is a usage
   * error up front. With `cache`, first try the compiled-schema cache (src/schemas/schema-cache.ts);
   * on a miss, compile every schema this validator may apply and save them for the next run.
   */
  warmUp(o: { cache?: boolean } = {}): void {
    if (o.cache) this.warmUpFromCache();
    this.schemas.get(ourSchemaPath(OUR_SCHEMA.domain));
  }

  /** Every schema this validator may apply, in its mode: what a cache entry holds. */
  private schemaPlan(): string[] {
    const plan = [ourSchemaPath(OUR_SCHEMA.domain), ourSchemaPath(OUR_SCHEMA.pool)];
    if (fileExists(ourSchemaPath(OUR_SCHEMA.nodedev))) plan.push(ourSchemaPath(OUR_SCHEMA.nodedev));
    for (const kind of ['domain', 'nodedev'] as const) {
      if (this.libvirtAvailable(kind)) plan.push(path.join(this.libvirtDir, LIBVIRT_SCHEMA[kind]));
    }
    return plan;
  }

  private warmUpFromCache(): void {
    const inst = libxmlInstance();
    // an image is only true of a libxml2 nothing else in this process has used yet
    if (!inst || !untouched(inst) || !this.schemas.canAdopt()) return;
    const plan = this.schemaPlan();
    const cached = loadCachedSchemas(inst, plan);
    if (cached) {
      for (const c of cached) this.schemas.adopt(c.path, c.ptr, c.sources);
      return;
    }
    let complete = true;
    for (const p of plan) {
      try {
        this.schemas.get(p);
      } catch {
        // reported when a document needs it, as without a cache; an incomplete set is not saved
        complete = false;
      }
    }
    if (!complete || !this.schemas.canAdopt() || !this.schemas.releaseProvider()) return;
    saveCachedSchemas(inst, this.schemas.all().map((c) => ({ path: c.path, ptr: validatorAddress(c.validator), sources: c.sources })));
  }

  validate(file: string, data: Buffer): FileResult {
    // not performance.now(): the global loads perf_hooks, ~1 ms of a one-file run
    const t0 = process.hrtime.bigint();
    const result: FileResult = { file, status: 'valid', findings: [], notes: [], schemas: [], libvirt: 'not-run', ms: 0 };
    try {
      this.check(data, result);
    } finally {
      result.findings.sort((a, b) => a.line - b.line || a.col - b.col);
      result.status = result.findings.length > 0 ? 'invalid' : 'valid';
      result.ms = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    return result;
  }

  private check(data: Buffer, r: FileResult): void {
    const text = data.toString('utf8');
    // one rule with transform: UTF-8 bytes, read as UTF-8 whatever the declaration says (src/util/xml-encoding.ts)
    const prolog = utf8DocumentProblem(data) ?? checkProlog(text);
    if (prolog) {
      r.findings.push({ ...prolog, source: 'xml' });
      return;
    }
    let doc: Libxml.XmlDocument;
    try {
      doc = this.lx.XmlDocument.fromBuffer(data, { option: VALIDATED_PARSE_OPTIONS, encoding: 'utf-8' });
    } catch (e) {
      r.findings.push(parseFinding(e));
      return;
    }
    try {
      const root = scanDocument(text);
      const rootEl = doc.root;
      const kind: DocumentKind | undefined = rootEl.namespaceUri ? undefined : ROOT_KINDS[rootEl.name];
      if (!kind) {
        r.findings.push({
          line: root?.line ?? rootEl.line, col: root?.col ?? 1, source: 'virt-mdev',
          message: `unknown document kind <${printable(rootEl.name)}>: virt-mdev validates libvirt domain XML (<domain>), node device XML (<device>) and pool definitions (<mdevpool>)`,
        });
        return;
      }
      r.kind = kind;
      if (kind === 'domain') this.checkDomain(doc, root, r);
      else if (kind === 'pool') this.checkPool(doc, root, r, text);
      else this.checkNodedev(doc, root, r);
    } finally {
      doc.dispose();
    }
  }

  private checkDomain(doc: Libxml.XmlDocument, root: ScannedElement | undefined, r: FileResult): void {
    const ours = this.schemas.get(ourSchemaPath(OUR_SCHEMA.domain));
    r.schemas.push(OUR_SCHEMA.domain);
    const failed = runValidator(ours.validator, doc);
    if (failed) {
      // the schema decides; the explanation says where and what to do
      const explained = root ? explainDomain(root) : [];
      r.findings.push(...(explained.length > 0
        ? explained.map((p) => ({ ...p, source: 'virt-mdev' as const }))
        : findingsFromDetails(failed, root, 'virt-mdev', `${OUR_SCHEMA.domain}: `)));
    } else if (root) {
      r.findings.push(...domainRules(root).map((p) => ({ ...p, source: 'virt-mdev' as const })));
    }

    const authoring = root ? walk(root).filter(isAuthoringHostdev) : [];
    if (this.libvirtMode === false) {
      r.libvirt = 'disabled';
    } else if (authoring.length > 0) {
      if (this.libvirtMode === true) {
        r.libvirt = 'not-ready';
        for (const h of authoring) {
          r.findings.push({
            line: h.line, col: h.col, source: 'libvirt',
            message: `not yet libvirt-ready: this <hostdev> uses an authoring form (<source><mdev …>); run 'virt-mdev transform' to get libvirt's form`,
          });
        }
      } else {
        r.libvirt = 'skipped-authoring';
        r.notes.push(`not yet libvirt-ready: ${authoring.length} authoring-form hostdev(s) (first at line ${authoring[0]!.line}); libvirt's domain.rng check skipped: run 'virt-mdev transform' before 'virsh define'`);
      }
    } else if (!this.libvirtAvailable('domain')) {
      r.libvirt = 'not-installed';
    } else if (failed) {
      // libvirt's schema would only add "Element domain failed to validate content" for the same mistake
      r.libvirt = 'not-run';
      r.notes.push(`libvirt's domain.rng not checked: fix the errors above first`);
    } else {
      this.checkLibvirt('domain', doc, root, r);
    }
  }

  private checkNodedev(doc: Libxml.XmlDocument, root: ScannedElement | undefined, r: FileResult): void {
    const oursPath = ourSchemaPath(OUR_SCHEMA.nodedev);
    if (fileExists(oursPath)) {
      r.schemas.push(OUR_SCHEMA.nodedev);
      const failed = runValidator(this.schemas.get(oursPath).validator, doc);
      if (failed) r.findings.push(...findingsFromDetails(failed, root, 'virt-mdev', `${OUR_SCHEMA.nodedev}: `));
    } else {
      r.notes.push(`virt-mdev's ${OUR_SCHEMA.nodedev} is not installed: node device XML checked against libvirt's schema only`);
    }
    if (this.libvirtMode === false) r.libvirt = 'disabled';
    else if (!this.libvirtAvailable('nodedev')) {
      r.libvirt = 'not-installed';
      if (this.libvirtMode === true) {
        r.findings.push({ line: root?.line ?? 1, col: root?.col ?? 1, source: 'libvirt',
          message: `libvirt's ${LIBVIRT_SCHEMA.nodedev} is not in ${this.libvirtDir}: cannot check node device XML against it` });
      }
    } else this.checkLibvirt('nodedev', doc, root, r);
  }

  /** A pool definition is ours alone: our schema, and libvirt has nothing to say. */
  private checkPool(doc: Libxml.XmlDocument, root: ScannedElement | undefined, r: FileResult, text: string): void {
    r.schemas.push(OUR_SCHEMA.pool);
    r.libvirt = 'not-applicable';
    const failed = runValidator(this.schemas.get(ourSchemaPath(OUR_SCHEMA.pool)).validator, doc);
    // pool-define's reader names the problem in its words, and also checks what RelaxNG cannot say (a parent named twice)
    const explained = explainPool(text);
    if (explained) r.findings.push({ ...explained, source: 'virt-mdev' });
    else if (failed) r.findings.push(...findingsFromDetails(failed, root, 'virt-mdev', `${OUR_SCHEMA.pool}: `));
  }

  private checkLibvirt(kind: LibvirtKind, doc: Libxml.XmlDocument, root: ScannedElement | undefined, r: FileResult): void {
    const name = LIBVIRT_SCHEMA[kind];
    const schema = this.schemas.get(path.join(this.libvirtDir, name));
    r.schemas.push(`libvirt ${name}`);
    r.libvirt = 'checked';
    const failed = runValidator(schema.validator, doc);
    if (failed) r.findings.push(...findingsFromDetails(failed, root, 'libvirt', `libvirt ${name}: `));
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  dispose(): void {
    this.schemas.dispose();
  }
}

/** The document kind by its root element (no namespace). */
const ROOT_KINDS: Partial<Record<string, DocumentKind>> = { domain: 'domain', device: 'nodedev', mdevpool: 'pool' };

/** undefined when valid, else libxml2's details (never empty). */
function runValidator(v: Libxml.RelaxNGValidator, doc: Libxml.XmlDocument): Libxml.ErrorDetail[] | undefined {
  try {
    v.validate(doc);
    return undefined;
  } catch (e) {
    const details = (e as { details?: Libxml.ErrorDetail[] }).details;
    if (details && details.length > 0) return details;
    return [{ message: (e as Error).message || 'document does not validate', level: 2, line: 0, col: 0 }];
  }
}

function parseFinding(e: unknown): Finding {
  const details = (e as { details?: Libxml.ErrorDetail[] }).details ?? [];
  const d = details.find((x) => x.level >= 2) ?? details[0];
  const msg = (d?.message ?? (e as Error).message ?? 'not well-formed').trim().replace(/\s+/g, ' ');
  return { line: Math.max(1, d?.line ?? 1), col: Math.max(1, d?.col ?? 1), source: 'xml', message: `malformed XML: ${printable(msg, 200)}` };
}
