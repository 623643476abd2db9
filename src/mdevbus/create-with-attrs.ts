// A device and its attributes are one thing: an mdev created for a definition (vfio-ap's matrix, a
// vendor's parameters) is useless without them. The attributes are written in order after the create;
// if one fails, the device is removed again, so a start either completes or leaves the host as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostRoot } from '../host/root.js';
import { ExitCode, VirtMdevError, errnoCode } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { sysfsWrite } from './sysfs-write.js';
import type { MdevBus, MdevDevice } from './types.js';

export interface DeviceAttr {
  name: string;
  value: string;
}

/**
 * Write one attribute file below the device directory. Every part must be what it claims to be (real
 * directories, then a regular file, no links), so an attribute name can never reach outside the
 * device, and nothing is ever created: a missing attribute fails with ENOENT.
 */
export async function writeDeviceAttr(root: HostRoot, dev: MdevDevice, name: string, value: string): Promise<void> {
  const segs = name.split('/');
  let rel = dev.sysfsPath;
  segs.forEach((s, i) => {
    rel = path.posix.join(rel, s);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(root.p(rel));
    } catch (e) {
      throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-attr',
        `device ${dev.uuid} (type ${dev.typeId}) has no attribute '${printable(name)}' (${errnoCode(e) ?? 'unreadable'}): the device was removed again; use a file name from ${dev.sysfsPath}`);
    }
    const ok = i === segs.length - 1 ? st.isFile() : st.isDirectory();
    if (!ok) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-attr',
        `attribute '${printable(name)}' of device ${dev.uuid} is not a plain attribute file (it is a link or a directory): the device was removed again`);
    }
  });
  await sysfsWrite(root, rel, value);
}

/** Create the device, then write its attributes in order; on a failing attribute remove it again. */
export async function createWithAttrs(root: HostRoot, bus: MdevBus, parent: string, typeId: string, uuid: string, attrs: DeviceAttr[]): Promise<MdevDevice> {
  const dev = await bus.create(parent, typeId, uuid);
  for (const a of attrs) {
    try {
      await writeDeviceAttr(root, dev, a.name, a.value);
    } catch (e) {
      // a device without its attributes is not what was asked for: take it away again
      await bus.remove(dev.uuid).catch(() => undefined);
      if (e instanceof VirtMdevError) throw e;
      const code = errnoCode(e);
      throw new VirtMdevError(code === 'ENOENT' ? ExitCode.NOT_FOUND : ExitCode.REFUSED, 'attr-failed',
        `writing '${printable(a.value)}' to attribute ${printable(a.name)} of ${uuid} failed (${code ?? (e as Error).message}): the device was removed again; check the attribute name and value for type ${typeId}`,
        { cause: e });
    }
  }
  return dev;
}
