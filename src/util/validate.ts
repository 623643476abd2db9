// Everything that becomes part of a host path is checked here first: a name from XML or argv must
// never be able to walk out of the directory it is meant for.
import { ExitCode, VirtMdevError } from './errors.js';

const UUID_DASHED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_PLAIN = /^[0-9a-fA-F]{32}$/;

export function isUuid(s: string): boolean {
  return UUID_DASHED.test(s) || UUID_PLAIN.test(s);
}

/** Canonical form as the kernel and libvirt print it: lower case, dashed. Throws BAD_VALUE. */
export function canonicalUuid(s: string, what = 'UUID'): string {
  const t = s.trim();
  if (UUID_DASHED.test(t)) return t.toLowerCase();
  if (UUID_PLAIN.test(t)) {
    const h = t.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-uuid',
    `${what} '${printable(s)}' is not a UUID: use the form 8-4-4-4-12 hex digits, e.g. 0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b`);
}

// sysfs names: no slash, no NUL, not '.' or '..', bounded. Type ids are '<driver>-<name>' in practice,
// but vendors are free in the second part, so only the path-safety rules are enforced plus a sane charset.
const SAFE_NAME = /^[A-Za-z0-9_.:+@-]{1,128}$/;

/** a name that may be one component of a sysfs path (type id, parent) */
export function isSafeSysfsName(s: string): boolean {
  return SAFE_NAME.test(s) && !s.includes('..');
}

export function checkTypeId(s: string, what = 'mdev type'): string {
  if (!isSafeSysfsName(s) || s === '.') {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-type',
      `${what} '${printable(s)}' is not a valid type id: use the directory name under mdev_supported_types, e.g. nvidia-63 or i915-GVTg_V5_4 (no '/', no '..')`);
  }
  return s;
}

export function checkParentName(s: string, what = 'parent'): string {
  if (!isSafeSysfsName(s) || s === '.') {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-parent',
      `${what} '${printable(s)}' is not a valid parent device name: use the name under /sys/class/mdev_bus, e.g. 0000:00:02.0, mtty or matrix (no '/', no '..')`);
  }
  return s;
}

// libvirt names a parent by its node device (pci_0000_00_02_0, css_0_0_0023, ap_matrix), sysfs by its
// address (0000:00:02.0, 0.0.0023, matrix). A request may use either; every path uses the sysfs name.
const PCI_NODEDEV = /^pci_([0-9a-fA-F]{4})_([0-9a-fA-F]{2})_([0-9a-fA-F]{2})_([0-7])$/;
const CSS_NODEDEV = /^css_([0-9a-fA-F]{1,2})_([0-3])_([0-9a-fA-F]{4})$/;

/** The sysfs name of a parent given by either spelling (class devices such as mtty_mtty need the host: findParentByName). */
export function sysfsParentName(given: string): string {
  const pci = PCI_NODEDEV.exec(given);
  if (pci) return `${pci[1]}:${pci[2]}:${pci[3]}.${pci[4]}`.toLowerCase();
  const css = CSS_NODEDEV.exec(given);
  if (css) return `${css[1]}.${css[2]}.${css[3]}`.toLowerCase();
  return given === 'ap_matrix' ? 'matrix' : given;
}

const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export function checkPoolName(s: string): string {
  if (!POOL_NAME.test(s) || s.includes('..')) {
    throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-pool',
      `pool name '${printable(s)}' is not valid: use letters, digits, '_', '-', '.' (at most 64, no '..')`);
  }
  return s;
}

/** Show untrusted text in one line of an error message without control characters or unbounded length. */
export function printable(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? clean.slice(0, max) + '…' : clean;
}
