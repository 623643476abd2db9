// Our own corner of a domain's <metadata>: libvirt keeps foreign-namespace elements there verbatim
// (possibly under another prefix), so the hook can read back what transform recorded.
export const VIRT_MDEV_NS = 'http://virt-mdev.org/xmlns/domain/1.0';
export const VIRT_MDEV_PREFIX = 'virt-mdev';
/** <virt-mdev:mdev> holds one <virt-mdev:device uuid type [parent] [pool]/> per managed hostdev */
export const METADATA_ELEMENT = 'mdev';
export const METADATA_ENTRY = 'device';
