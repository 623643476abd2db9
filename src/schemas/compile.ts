// Compiles RelaxNG schemas with libxml2-wasm, once per process: a run over a thousand files pays
// for domain.rng (about 150 ms) once. Schema files may <include>/<externalRef> siblings; libxml2 in
// wasm has no file access of its own, so an input provider serves exactly the .rng files under the
// directories registered here and nothing else (no network, no arbitrary paths).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Libxml from 'libxml2-wasm';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { SAFE_PARSE_OPTIONS, type LibxmlModule } from './libxml.js';

/** Directories whose .rng files libxml2 may read (each ends with a separator). */
const allowedRoots = new Set<string>();
let providerUsers = 0;

function allowedPath(name: string): string | undefined {
  let p = name;
  if (p.startsWith('file:')) {
    try {
      p = fileURLToPath(p);
    } catch {
      return undefined;
    }
  }
  if (!path.isAbsolute(p) || !p.endsWith('.rng')) return undefined;
  const real = path.resolve(p);
  for (const r of allowedRoots) if (real.startsWith(r)) return real;
  return undefined;
}

const rngProvider: Libxml.XmlInputProvider = {
  match: (name) => allowedPath(name) !== undefined,
  open: (name) => {
    const p = allowedPath(name);
    if (p === undefined) return undefined;
    try {
      return fs.openSync(p, 'r');
    } catch {
      return undefined;
    }
  },
  read: (fd, buf) => {
    try {
      return fs.readSync(fd, buf, 0, buf.byteLength, null);
    } catch {
      return -1;
    }
  },
  close: (fd) => {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed: nothing to release
    }
    return true;
  },
};

export interface CompiledSchema {
  /** absolute path of the schema file */
  path: string;
  validator: Libxml.RelaxNGValidator;
}

export class SchemaSet implements Disposable {
  private readonly lx: LibxmlModule;
  private readonly compiled = new Map<string, CompiledSchema>();
  private providerRegistered = false;
  private disposed = false;

  constructor(lx: LibxmlModule) {
    this.lx = lx;
  }

  /** Compiles (or returns the already compiled) schema at an absolute path. Throws USAGE on failure. */
  get(schemaPath: string): CompiledSchema {
    if (this.disposed) throw new Error('SchemaSet used after dispose');
    const abs = path.resolve(schemaPath);
    const hit = this.compiled.get(abs);
    if (hit) return hit;
    this.allowDir(path.dirname(abs));
    let text: Buffer;
    try {
      text = fs.readFileSync(abs);
    } catch (e) {
      throw new VirtMdevError(ExitCode.USAGE, 'schema-unreadable',
        `cannot read schema ${abs}: ${(e as Error).message}`, { cause: e });
    }
    const { XmlDocument, RelaxNGValidator } = this.lx;
    let doc: Libxml.XmlDocument | undefined;
    try {
      doc = XmlDocument.fromBuffer(text, { url: abs, option: SAFE_PARSE_OPTIONS });
      const validator = RelaxNGValidator.fromDoc(doc);
      const entry = { path: abs, validator };
      this.compiled.set(abs, entry);
      return entry;
    } catch (e) {
      const details = (e as { details?: Libxml.ErrorDetail[] }).details ?? [];
      const first = details.find((d) => d.level >= 2) ?? details[0];
      const where = first?.file ? `${first.file}:${first.line}: ` : '';
      throw new VirtMdevError(ExitCode.USAGE, 'schema-compile',
        `cannot compile schema ${abs}: ${where}${printable((first?.message ?? (e as Error).message).trim(), 200)}`, { cause: e });
    } finally {
      // the compiled validator no longer needs the schema's tree
      doc?.dispose();
    }
  }

  private allowDir(dir: string): void {
    allowedRoots.add(dir.endsWith(path.sep) ? dir : dir + path.sep);
    if (this.providerRegistered) return;
    // one provider per process (libxml2's list is global); the last SchemaSet to go removes it
    if (providerUsers === 0) this.lx.xmlRegisterInputProvider(rngProvider);
    providerUsers++;
    this.providerRegistered = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.compiled.values()) c.validator.dispose();
    this.compiled.clear();
    if (this.providerRegistered && --providerUsers === 0) {
      this.lx.xmlCleanupInputProvider();
      allowedRoots.clear();
    }
  }
}
