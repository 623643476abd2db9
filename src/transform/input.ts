// Reading a domain document from a file or stdin, bounded: a domain definition is small, so anything
// past the limit is refused before it is read into memory in full.
import { readFileBounded, readStreamBounded, type BoundedRead } from '../util/bounded-read.js';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { decodeXmlDocument } from '../util/xml-encoding.js';
import { MAX_DOMAIN_XML_BYTES } from '../domainxml/parse.js';

const tooLarge = (name: string): VirtMdevError => new VirtMdevError(ExitCode.BAD_XML, 'too-large',
  `${name}:1:1: document is larger than ${MAX_DOMAIN_XML_BYTES / 1024 / 1024} MiB: a domain definition is never that big; refusing to read it`);

/** Text of FILE, or of stdin for '-' / undefined; `name` is what error messages call it. */
export async function readDomainInput(file: string | undefined, limit = MAX_DOMAIN_XML_BYTES): Promise<{ text: string; name: string }> {
  const stdin = file === undefined || file === '-';
  const name = stdin ? '<stdin>' : file;
  let r: BoundedRead;
  if (stdin) {
    r = await readStreamBounded(process.stdin, limit);
  } else {
    try {
      r = readFileBounded(name, limit);
    } catch (e) {
      throw new VirtMdevError(ExitCode.USAGE, 'unreadable', `cannot read '${printable(name)}': ${errnoCode(e) ?? String(e)}`, { cause: e });
    }
  }
  if (r.ok) return { text: decodeXmlDocument(r.data, name), name };
  if (r.why === 'directory') throw new VirtMdevError(ExitCode.USAGE, 'unreadable', `cannot read '${printable(name)}': it is a directory`);
  throw tooLarge(name);
}
