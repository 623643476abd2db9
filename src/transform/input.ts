// Reading a domain document from a file or stdin, bounded: a domain definition is small, so anything
// past the limit is refused before it is read into memory in full.
import * as fs from 'node:fs';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { MAX_DOMAIN_XML_BYTES } from '../domainxml/parse.js';

const tooLarge = (name: string): VirtMdevError => new VirtMdevError(ExitCode.BAD_XML, 'too-large',
  `${name}:1:1: document is larger than ${MAX_DOMAIN_XML_BYTES / 1024 / 1024} MiB: a domain definition is never that big; refusing to read it`);

function decode(buf: Buffer, name: string): string {
  try {
    // keep a byte-order mark: transform must give back every byte it does not change
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    throw new VirtMdevError(ExitCode.BAD_XML, 'not-utf8', `${name}:1:1: the document is not valid UTF-8 (libvirt domain XML is UTF-8)`);
  }
}

/** Text of FILE, or of stdin for '-' / undefined; `name` is what error messages call it. */
export async function readDomainInput(file: string | undefined, limit = MAX_DOMAIN_XML_BYTES): Promise<{ text: string; name: string }> {
  if (file === undefined || file === '-') {
    const name = '<stdin>';
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of process.stdin) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += b.length;
      if (total > limit) { process.stdin.destroy(); throw tooLarge(name); }
      chunks.push(b);
    }
    return { text: decode(Buffer.concat(chunks), name), name };
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new VirtMdevError(ExitCode.USAGE, 'unreadable', `cannot read '${printable(file)}': ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new VirtMdevError(ExitCode.USAGE, 'unreadable', `cannot read '${printable(file)}': it is a directory`);
    if (st.isFile() && st.size > limit) throw tooLarge(file);
    // read at most limit+1 bytes, whatever the file claims (a FIFO or a growing file)
    const buf = Buffer.alloc(Math.min(limit + 1, st.isFile() ? st.size + 1 : limit + 1));
    let got = 0;
    for (;;) {
      if (got === buf.length) break;
      const n = fs.readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > limit) throw tooLarge(file);
    return { text: decode(buf.subarray(0, got), file), name: file };
  } finally {
    fs.closeSync(fd);
  }
}
