// debian/copyright (machine-readable, DEP-5) for the binary package: virt-mdev's own MIT licence and
// one paragraph per npm package the bundles contain, found in esbuild's metafiles (the inputs under
// node_modules/), so the list cannot miss a package that a new import pulls in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** the copyright lines of its LICENSE file, or its author */
  copyright: string[];
}

/** node_modules/@scope/name/... or node_modules/name/... → the package directory (innermost node_modules) */
function packageDirOf(input: string): string | undefined {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

function copyrightLines(dir: string, author: unknown): string[] {
  const licence = fs.readdirSync(dir).find((f) => /^(licen[sc]e|copying)(\.(md|txt))?$/i.test(f));
  const lines = licence
    ? fs.readFileSync(path.join(dir, licence), 'utf8').split('\n').map((l) => l.trim())
      .filter((l) => /^copyright\b/i.test(l) && /\d{4}/.test(l)).map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, ''))
    : [];
  if (lines.length > 0) return [...new Set(lines)];
  const who = typeof author === 'string' ? author : (author as { name?: string } | undefined)?.name;
  return [who ? `the authors of this package: ${who}` : 'the authors of this package'];
}

export function bundledPackages(repoRoot: string, metafiles: readonly Metafile[]): BundledPackage[] {
  const dirs = new Set<string>();
  for (const m of metafiles) for (const input of Object.keys(m.inputs)) {
    const d = packageDirOf(input);
    if (d) dirs.add(d);
  }
  return [...dirs].sort().map((d) => {
    const dir = path.resolve(repoRoot, d);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string; author?: unknown };
    if (!pkg.license) throw new Error(`${d}/package.json names no licence: cannot write debian/copyright`);
    return { name: pkg.name, version: pkg.version, license: pkg.license, copyright: copyrightLines(dir, pkg.author) };
  });
}

const LICENSE_TEXT: Record<string, string> = {
  MIT: `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:
.
The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.
.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.`,
  ISC: `Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is
hereby granted, provided that the above copyright notice and this permission notice appear in all copies.
.
THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE
INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF
USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.`,
};

/** a DEP-5 field value: continuation lines start with a space, empty lines are ' .' */
function field(name: string, lines: readonly string[]): string {
  return `${name}: ${lines[0]}${lines.slice(1).map((l) => `\n ${l === '' || l === '.' ? '.' : l}`).join('')}`;
}

export function copyrightFile(o: { maintainer: string; year: number; bundled: readonly BundledPackage[] }): string {
  const licences = new Set(['MIT', ...o.bundled.map((b) => b.license)]);
  for (const l of licences) if (!LICENSE_TEXT[l]) throw new Error(`no licence text for '${l}' (a bundled package's licence): add it to scripts/deb-copyright.ts`);
  const paras = [
    ['Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/', 'Upstream-Name: virt-mdev', `Upstream-Contact: ${o.maintainer}`,
      field('Comment', ['/usr/lib/virt-mdev/dist/app holds esbuild bundles of virt-mdev and of the npm packages',
        'listed below (node_modules/NAME/* is where each comes from in the build).'])].join('\n'),
    ['Files: *', `Copyright: ${o.year} virt-mdev maintainers`, 'License: MIT'].join('\n'),
    ...o.bundled.map((b) => [`Files: node_modules/${b.name}/*`, field('Copyright', b.copyright), `License: ${b.license}`,
      `Comment: ${b.name} ${b.version}, bundled into /usr/lib/virt-mdev/dist/app`].join('\n')),
    ...[...licences].sort().map((l) => field('License', [l, ...LICENSE_TEXT[l].split('\n')])),
  ];
  return paras.join('\n\n') + '\n';
}
