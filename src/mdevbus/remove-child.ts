// Entry module of the detached child that bus.removeEach() starts for all of one call's devices: it
// performs each device's blocking write of '1' to <uuid>/remove at the same time and reports each
// outcome as it comes, one JSON line {"uuid", "status"} on stdout (a pipe to the caller only, never
// a libvirt hook's pipes). Status 0 = written, 100 + errno = that write failed (remove-status.ts).
// A write the kernel blocks (device still open) keeps this process alive until it returns, after
// the caller has stopped listening: the removal then finishes on its own, and a report nobody reads
// is dropped. The caller sizes libuv's thread pool (UV_THREADPOOL_SIZE) to the number of devices, so
// more blocked writes than the default four threads never hold back the others.
import * as fs from 'node:fs';
import { HostRoot } from '../host/root.js';
import { canonicalUuid } from '../util/validate.js';
import { sysfsWrite } from './sysfs-write.js';
import { removeExitStatusOf } from './remove-status.js';

function report(uuid: string, status: number): void {
  try {
    // one write(2) of a line shorter than PIPE_BUF: atomic, so reports never interleave
    fs.writeSync(1, JSON.stringify({ uuid, status }) + '\n');
  } catch {
    // the caller stopped listening (bounded wait over, or gone): the removal itself goes on
  }
}

async function removeOne(root: HostRoot, uuid: string): Promise<void> {
  try {
    await sysfsWrite(root, `/sys/bus/mdev/devices/${uuid}/remove`, '1');
    report(uuid, 0);
  } catch (e) {
    report(uuid, removeExitStatusOf(e));
  }
}

async function main(argv: string[]): Promise<number> {
  const [rootDir, ...uuidArgs] = argv;
  if (!rootDir || uuidArgs.length === 0) return 2;
  let uuids: string[];
  try {
    uuids = uuidArgs.map((u) => canonicalUuid(u));
  } catch {
    return 2;
  }
  const root = new HostRoot(rootDir);
  await Promise.all(uuids.map((u) => removeOne(root, u)));
  return 0;
}

// no top-level await: this runs as a CommonJS bundle (scripts/bundles.ts). Until main settles the
// status is the one Node gives an unsettled top-level await, never a silent success.
process.exitCode = 13;
void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
