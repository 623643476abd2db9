// Where the bench keeps the simulated hosts whose sysfs it times: in memory (tmpfs, /dev/shm) when the
// machine has it, as the kernel keeps sysfs. On a disk file system a simulated create costs what the
// disk's journal charges for ~35 new inodes (measured on this project's CI machines, ext4 on virtio:
// 0.2 ms each, 30 ms for a 4-device prepare, against 1.7 ms in tmpfs), which says nothing about
// virt-mdev; the rows on disk are kept beside, for comparison with earlier benches.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TMPFS_MAGIC = 0x01021994;
const CANDIDATES = ['/dev/shm', '/run/shm'];

/** a writable tmpfs directory, or undefined */
export function memoryDir(): string | undefined {
  for (const d of CANDIDATES) {
    try {
      if (fs.statfsSync(d).type !== TMPFS_MAGIC) continue;
      fs.accessSync(d, fs.constants.W_OK);
      return d;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** a new directory for a simulated host: in memory when possible, else in TMPDIR */
export function simHostScratch(prefix: string, where: 'memory' | 'disk'): string {
  const base = where === 'memory' ? memoryDir() ?? os.tmpdir() : os.tmpdir();
  return fs.mkdtempSync(path.join(base, prefix));
}
