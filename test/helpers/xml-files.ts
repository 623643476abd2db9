// Every .xml file below some directories of the repository, sorted: the corpus tests that run over all
// of samples/ and test/data compare results file by file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './cli.js';

export function xmlFilesUnder(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xml')) out.push(p);
    }
  };
  for (const d of dirs) walk(path.join(repoRoot, d));
  return out.sort();
}
