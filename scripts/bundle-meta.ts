// esbuild's metafile of the last build: which sources each file in dist/app holds. Tests that record
// the modules a process loads see only dist/app/*.mjs and *.cjs for a bundle; this names what those hold.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** written by scripts/build-bundles.ts; not shipped */
export const METAFILE = 'dist/bundle-meta.json';

interface Meta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/**
 * The module URLs a process loaded, with every bundle output among them followed by the sources
 * inlined into it (as paths relative to the repository, e.g. `src/hook/plan.ts`,
 * `node_modules/saxes/saxes.js`; other URLs are kept as they are).
 */
export function withBundledSources(repoRoot: string, urls: readonly string[]): string[] {
  let meta: Meta | undefined;
  const out: string[] = [];
  for (const u of urls) {
    out.push(u);
    if (!u.startsWith('file:')) continue;
    const rel = path.relative(repoRoot, fileURLToPath(u));
    if (!rel.startsWith('dist/app/')) continue;
    meta ??= JSON.parse(fs.readFileSync(path.join(repoRoot, METAFILE), 'utf8')) as Meta;
    const o = meta.outputs[rel];
    if (!o) throw new Error(`${rel} is not in ${METAFILE}: rebuild (npm run build)`);
    // node_modules is reached through a link in a worktree: name sources from node_modules/ on
    // the getters scripts/bundles.ts puts in for a lazily loaded built-in (lazy-builtin:node:…) are no source
    for (const i of Object.keys(o.inputs)) if (!i.startsWith('lazy-builtin:')) out.push(i.replace(/^(?:\.\.\/)+(?:[^/]+\/)*?(node_modules\/)/, '$1'));
  }
  return [...new Set(out)];
}
