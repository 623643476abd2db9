// A whole directory tree as one comparable value: file contents, link targets as readlink gives them,
// and directories. Equal snapshots of a host root mean nothing on that host changed.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const ent of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      const abs = path.join(dir, r);
      if (ent.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(abs)}`;
      else if (ent.isDirectory()) { out[r] = 'dir'; walk(r); }
      else if (ent.isFile()) out[r] = fs.readFileSync(abs, 'utf8');
      // never open a FIFO (it would block) or a socket: their kind is what can change
      else out[r] = ent.isFIFO() ? 'fifo' : ent.isSocket() ? 'socket' : 'special';
    }
  };
  walk('');
  return out;
}
