// The validate sample corpus (samples/domains/validate) and the expectation each invalid sample
// carries in its first line: <!-- expect: LINE:COL message-fragment -->
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';

export const corpusDir = path.join(repoRoot, 'samples/domains/validate');
export const validDir = path.join(corpusDir, 'valid');
export const invalidDir = path.join(corpusDir, 'invalid');

export function xmlFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(dir, f));
}

export interface Expectation {
  file: string;
  line: number;
  col: number;
  fragment: string;
}

export function expectationOf(file: string): Expectation {
  const first = fs.readFileSync(file, 'utf8').split('\n')[0]!;
  const m = /^<!-- expect: (\d+):(\d+) (.*) -->$/.exec(first);
  if (!m) throw new Error(`${file}: first line must be <!-- expect: LINE:COL fragment -->`);
  return { file, line: Number(m[1]), col: Number(m[2]), fragment: m[3]! };
}

export const libvirtSchemasDir = '/usr/share/libvirt/schemas';
export const libvirtInstalled = fs.existsSync(path.join(libvirtSchemasDir, 'domain.rng'));

/** Minimal libvirt-valid domain around some <devices> content. */
export function domainWith(devices: string, extra = ''): string {
  return `<domain type='kvm'>
  <name>t</name>${extra}
  <memory unit='KiB'>1048576</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
${devices}
  </devices>
</domain>
`;
}
