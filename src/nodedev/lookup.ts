// Finds the node device a NAME|UUID argument means. Accepted: the libvirt 9 name, the pre-7.7 form
// mdev_<uuid>, a bare UUID in any case with or without dashes, and a parent's own address.
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { isParentNode, type NodeDevice } from './model.js';
import { parseNameArg, sanitizeNamePart } from './names.js';

export function findNodedev(devices: NodeDevice[], arg: string): NodeDevice | undefined {
  const q = parseNameArg(arg);
  if (q.kind === 'uuid') {
    const d = devices.find((x) => x.kind === 'mdev' && x.uuid === q.uuid);
    if (!d || d.kind !== 'mdev') return undefined;
    if (q.parentSuffix !== undefined && q.parentSuffix.toLowerCase() !== sanitizeNamePart(d.parentAddr).toLowerCase()) return undefined;
    return d;
  }
  return devices.find((d) => d.name === q.name)
    ?? devices.find((d) => isParentNode(d) && d.address === q.name);
}

export function requireNodedev(devices: NodeDevice[], arg: string): NodeDevice {
  const d = findNodedev(devices, arg);
  if (d) return d;
  const mdevs = devices.filter((x) => x.kind === 'mdev').length;
  throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-nodedev',
    `no node device '${printable(arg)}' on this host (${mdevs} mdev${mdevs === 1 ? '' : 's'}, ${devices.filter(isParentNode).length} parents): see 'virt-mdev nodedev-list'`);
}
