// The metrics as a file for node_exporter's textfile collector, which reads DIR/*.prom at every
// scrape: replaced atomically (the temporary file's name does not end in .prom), so a scrape never
// sees half of it. The directory must exist: it belongs to node_exporter, which is not ours to set up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeStateFile } from '../util/atomic.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';

export const TEXTFILE_NAME = 'virt_mdev.prom';

/** Write text as DIR/virt_mdev.prom; returns the file written. `defaulted`: DIR was not given by the user. */
export function writeTextfile(dir: string, text: string, defaulted: boolean): string {
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch { /* reported below */ }
  if (!isDir) {
    throw defaulted
      ? new VirtMdevError(ExitCode.HOST, 'no-textfile-dir',
        `node_exporter's textfile directory ${printable(dir, 400)} does not exist: install prometheus-node-exporter, or give the directory its --collector.textfile.directory names with --textfile DIR`)
      : new VirtMdevError(ExitCode.USAGE, 'no-textfile-dir', `--textfile ${printable(dir, 400)}: not a directory; give the directory node_exporter's --collector.textfile.directory names`);
  }
  const file = path.join(dir, TEXTFILE_NAME);
  // the previous file stays whole: node_exporter goes on serving the last good metrics
  writeStateFile('metrics file', file, text, 0o644);
  return file;
}
