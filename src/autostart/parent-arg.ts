// `autostart --parent X`: the parent's kernel name (as under sys/class/mdev_bus and the store), its
// libvirt node-device name, or the instance name systemd passes to virt-mdev-autostart@.service.
import type { MdevParent } from '../mdevbus/types.js';
import { parentNodedevName, sanitizeNamePart } from '../nodedev/names.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { checkParentName, printable } from '../util/validate.js';

/**
 * systemd escapes characters that are not valid in a unit name as \xNN (udev's SYSTEMD_WANTS does
 * too, e.g. '+' → \x2b) and the unit passes %i, the raw instance, so '-' stays '-'. A backslash is
 * never part of a parent name, so decoding is unambiguous.
 */
export function decodeSystemdInstance(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Store parents whose node-device name this could be (pci_0000_00_02_0, css_0_0_0052, ap_matrix, mtty_mtty). */
function storeParentsByNodedevName(name: string, storeParents: string[]): string[] {
  return storeParents.filter((p) => {
    const s = sanitizeNamePart(p);
    if (!name.endsWith(`_${s}`)) return false;
    return /^[A-Za-z0-9]+$/.test(name.slice(0, name.length - s.length - 1));
  });
}

/** The parent's kernel name; NOT_FOUND (naming what is known) when neither the store nor the bus has it. */
export function resolveParentArg(arg: string, storeParents: string[], busParents: MdevParent[]): string {
  const name = decodeSystemdInstance(arg.trim());
  if (storeParents.includes(name) || busParents.some((p) => p.name === name)) return checkParentName(name);
  const onBus = busParents.find((p) => parentNodedevName(p) === name);
  if (onBus) return onBus.name;
  const inStore = storeParentsByNodedevName(name, storeParents);
  if (inStore.length === 1) return inStore[0];
  const known = [...new Set([...storeParents, ...busParents.map((p) => p.name)])].sort();
  if (inStore.length > 1) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'ambiguous-parent',
      `parent '${printable(arg)}' could be any of ${inStore.join(', ')}: give the kernel name as under /sys/class/mdev_bus`);
  }
  checkParentName(name);
  throw new VirtMdevError(ExitCode.NOT_FOUND, 'no-parent',
    `parent '${printable(arg)}' is neither registered for mdev support nor has definitions in the store (known: ${known.join(', ') || 'none'}): give the kernel name as under /sys/class/mdev_bus or its node-device name`);
}
