// The one way virt-mdev writes a sysfs attribute. On a real root it is a single open(2)+write(2),
// exactly what the kernel ABI expects; on a simulated host the write goes to the kernel emulation,
// which gives the same effects and the same errors.
import type * as fsp from 'node:fs/promises';
import { constants } from 'node:fs';
import type { HostRoot } from '../host/root.js';
import { normaliseSysError } from '../simhost/errno.js';

/**
 * Write data to the host-absolute sysfs path hostPath (e.g. '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create')
 * under root. Rejects with a Node-style system error (`code` 'EEXIST', 'ENOSPC', 'EUSERS', …, negative `errno`).
 * The path's parts must already be validated names. On a real root the open and the write run on
 * libuv's thread pool, so a write the kernel blocks (a `remove` of a device still open) blocks one
 * pool thread, not the process: several such writes can wait at once (see remove-child.ts).
 */
export async function sysfsWrite(root: HostRoot, hostPath: string, data: string | Uint8Array): Promise<void> {
  if (root.isSimulated) {
    const { simKernelWrite } = await import('../simhost/kernel.js');
    await simKernelWrite(root, hostPath, data);
    return;
  }
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // loaded here, not with the module: the hook on a simulated host never needs it (memory, start-up)
  const { open } = await import('node:fs/promises');
  let fh: fsp.FileHandle;
  try {
    // no O_CREAT: a missing attribute must fail with ENOENT, never create a regular file
    fh = await open(root.p(hostPath), constants.O_WRONLY);
  } catch (e) {
    throw normaliseSysError(e);
  }
  try {
    // one write(2): sysfs hands each write to the attribute's store() as a whole
    await fh.write(buf, 0, buf.length);
  } catch (e) {
    throw normaliseSysError(e);
  } finally {
    await fh.close();
  }
}
