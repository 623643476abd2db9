// Compiles RelaxNG schemas with libxml2-wasm, once per process: a run over a thousand files pays
// for domain.rng (about 150 ms) once. Schema files may <include>/<externalRef> siblings; libxml2 in
// wasm has no file access of its own, so an input provider serves exactly the .rng files under the
// directories registered here and nothing else (no network, no arbitrary paths).
//
// Every byte libxml2 compiles is hashed on the way in (the schema file and each file it includes),
// so the compiled-schema cache (schema-cache.ts) can tell later whether a cached schema still is what
// the files on disk say.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Libxml from 'libxml2-wasm';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { fingerprint } from '../util/fingerprint.js';
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

/** A file a compiled schema was made from, by the fingerprint (src/util/fingerprint.ts) of the bytes libxml2 read. */
export interface SchemaSource {
  path: string;
  fingerprint: string;
}

/** the files being read for the compile under way: fd → path and the bytes so far (schema files are small) */
const reading = new Map<number, { path: string; chunks: Buffer[] }>();
/** what the compile under way has read in full */
let readSources: SchemaSource[] = [];

const rngProvider: Libxml.XmlInputProvider = {
  match: (name) => allowedPath(name) !== undefined,
  open: (name) => {
    const p = allowedPath(name);
    if (p === undefined) return undefined;
    try {
      const fd = fs.openSync(p, 'r');
      reading.set(fd, { path: p, chunks: [] });
      return fd;
    } catch {
      return undefined;
    }
  },
  read: (fd, buf) => {
    try {
      const n = fs.readSync(fd, buf, 0, buf.byteLength, null);
      reading.get(fd)?.chunks.push(Buffer.from(buf.subarray(0, n)));
      return n;
    } catch {
      reading.delete(fd);
      return -1;
    }
  },
  close: (fd) => {
    const r = reading.get(fd);
    reading.delete(fd);
    if (r) readSources.push({ path: r.path, fingerprint: fingerprint(Buffer.concat(r.chunks)) });
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
  /** the schema file and every file it includes, as compiled */
  sources: SchemaSource[];
}

/** libxml2-wasm's wrapper for a compiled schema at a known address (its public API has no such call) */
type ValidatorAt = { getInstance(ptr: number): Libxml.RelaxNGValidator };
/** libxml2-wasm's wrappers keep the libxml2 pointer here */
type WithPtr = { _ptr: number };

export function validatorAddress(v: Libxml.RelaxNGValidator): number {
  return (v as unknown as WithPtr)._ptr;
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
    // every document asks again, mostly with the absolute path it was compiled under
    const hit = this.compiled.get(schemaPath) ?? this.compiled.get(path.resolve(schemaPath));
    if (hit) return hit;
    const abs = path.resolve(schemaPath);
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
    readSources = [];
    try {
      doc = XmlDocument.fromBuffer(text, { url: abs, option: SAFE_PARSE_OPTIONS });
      const validator = RelaxNGValidator.fromDoc(doc);
      const sources = [{ path: abs, fingerprint: fingerprint(text) }, ...readSources];
      const entry = { path: abs, validator, sources };
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

  /** Every schema compiled so far. */
  all(): CompiledSchema[] {
    return [...this.compiled.values()];
  }

  /** Whether this libxml2-wasm has the internals adopt() and validatorAddress() rely on. */
  canAdopt(): boolean {
    return typeof (this.lx.RelaxNGValidator as unknown as Partial<ValidatorAt>).getInstance === 'function'
      && this.all().every((c) => Number.isInteger(validatorAddress(c.validator)));
  }

  /** Takes a schema compiled in another process and restored into this one's memory (schema-cache.ts). */
  adopt(schemaPath: string, ptr: number, sources: SchemaSource[]): void {
    if (this.disposed) throw new Error('SchemaSet used after dispose');
    const abs = path.resolve(schemaPath);
    const validator = (this.lx.RelaxNGValidator as unknown as ValidatorAt).getInstance(ptr);
    this.compiled.set(abs, { path: abs, validator, sources });
  }

  /**
   * Unregisters the input provider, as a memory image must be taken: libxml2 would otherwise keep
   * function-table slots of this process's callbacks, which another process does not have. false
   * when another SchemaSet still uses it. The next compile registers it again.
   */
  releaseProvider(): boolean {
    if (!this.providerRegistered) return providerUsers === 0;
    if (providerUsers !== 1) return false;
    this.lx.xmlCleanupInputProvider();
    allowedRoots.clear();
    providerUsers = 0;
    this.providerRegistered = false;
    return true;
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
