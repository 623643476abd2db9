// ENOTDIR names the path that was asked for, not the file in its way ("a part of the path is not a
// directory"): find that part, so the one error line can say which file to move aside.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The first existing component of p (from the top) that is not a directory, if any. */
export function firstNonDirectory(p: string): string | undefined {
  const abs = path.resolve(p);
  const parts = abs.split(path.sep).filter((x) => x !== '');
  let at: string = path.sep;
  for (const part of parts.slice(0, 4096)) {
    at = path.join(at, part);
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) return at;
  }
  return undefined;
}
