// Domains the hook has seen with mdevs since boot: an empty file run/virt-mdev/mdev-domains/NAME each.
// hooks/qemu tests for it and, when it is there, hands a prepare or release straight to node, which
// reads stdin itself: no cat (prepare) or grep (release) in front, one program fewer per call. It is a
// hint and nothing more: without it the script reads the XML or the ledger as before, and with a stale
// one node just finds nothing to do. So only names the script can spell as a file name without help
// get one (the same rule in hooks/qemu), and no failure to write or remove one is ever an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { inDirMadeOnDemand } from '../util/dir-on-demand.js';

/** hooks/qemu's rule: not empty, no leading dot, these characters only, at most 200 of them */
const MARKABLE = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$/;

export function seenMarkerPath(root: HostRoot, name: string): string | undefined {
  return MARKABLE.test(name) ? path.join(root.runDir, 'mdev-domains', name) : undefined;
}

/** Mark the domain (it has mdevs) or unmark it (it has none now), whichever it is not yet. */
export function noteSeen(root: HostRoot, name: string, hasMdevs: boolean): void {
  const file = seenMarkerPath(root, name);
  if (file === undefined) return;
  try {
    if (!hasMdevs) {
      if (fs.existsSync(file)) fs.unlinkSync(file);
    } else if (!fs.existsSync(file)) {
      fs.closeSync(inDirMadeOnDemand(path.dirname(file), () => fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o644)));
    }
  } catch {
    // a hint: without it (or with a stale one) the next call only takes the longer way
  }
}
