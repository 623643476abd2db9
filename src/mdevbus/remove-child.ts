// Entry module of the detached child that bus.remove() starts: it performs the one blocking write
// of '1' to <uuid>/remove and reports only through its exit status (it has no stdio, so it can never
// hold a libvirt hook's pipes open). Exit 0 = written; 100 + errno = the write failed with that errno.
import { HostRoot } from '../host/root.js';
import { canonicalUuid } from '../util/validate.js';
import { sysfsWrite } from './sysfs-write.js';
import { removeExitStatusOf } from './remove-status.js';

async function main(argv: string[]): Promise<number> {
  const [rootDir, uuidArg] = argv;
  if (!rootDir || !uuidArg) return 2;
  let uuid: string;
  try {
    uuid = canonicalUuid(uuidArg);
  } catch {
    return 2;
  }
  try {
    await sysfsWrite(new HostRoot(rootDir), `/sys/bus/mdev/devices/${uuid}/remove`, '1');
    return 0;
  } catch (e) {
    return removeExitStatusOf(e);
  }
}

process.exitCode = await main(process.argv.slice(2));
