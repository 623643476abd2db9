// A parent's sysfs layout in the three steps a driver goes through: the device itself (PCI or class
// device, driver binding, IOMMU group), its mdev types, and registration with the mdev core (the
// compat class link, which is what readers look for). init writes all three; plug/unplug
// (hotplug.ts) register and unregister, and a late vendor daemon adds the types afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { availableInstances } from './accounting.js';
import { mkdirs, putFile, putLink, writeSubsystemMember } from './layout.js';
import type { SimParentDef } from './profiles.js';

export const typesDirOf = (p: SimParentDef): string => `${p.path}/mdev_supported_types`;
export const classLinkOf = (p: SimParentDef): string => `sys/class/mdev_bus/${p.name}`;

/** The parent device with its driver bound, as it is before (and after) it registers with the mdev core. */
export function writeParentDevice(dir: string, p: SimParentDef): void {
  mkdirs(dir, p.path);
  for (const [f, c] of Object.entries(p.attrs ?? {})) putFile(dir, `${p.path}/${f}`, c);
  mkdirs(dir, `${p.path}/power`);
  putFile(dir, `${p.path}/power/control`, 'auto\n', 0o644);
  writeSubsystemMember(dir, p.path, p.name, p.subsystem);
  if (p.driver) {
    const drv = `${p.subsystem}/drivers/${p.driver}`;
    mkdirs(dir, drv);
    putLink(dir, `${p.path}/driver`, drv);
    putLink(dir, `${drv}/${p.name}`, p.path);
  }
  if (p.iommuGroup !== undefined) {
    const g = `sys/kernel/iommu_groups/${p.iommuGroup}`;
    putFile(dir, `${g}/type`, 'DMA-FQ\n', 0o644);
    putFile(dir, `${g}/reserved_regions`, '0x00000000fee00000 0x00000000feefffff msi\n');
    putLink(dir, `${g}/devices/${p.name}`, p.path);
    putLink(dir, `${p.path}/iommu_group`, g);
  }
  mkdirs(dir, `sys/bus/mdev/drivers/${p.mdevDriver}`);
  if (!fs.existsSync(path.join(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/bind`))) {
    putFile(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/bind`, '', 0o200);
    putFile(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/unbind`, '', 0o200);
    putFile(dir, `sys/bus/mdev/drivers/${p.mdevDriver}/uevent`, '', 0o200);
  }
}

/** Every type of the parent, at full capacity (no children yet). */
export function writeParentTypes(dir: string, p: SimParentDef): void {
  mkdirs(dir, typesDirOf(p));
  for (const t of p.types) {
    const td = `${typesDirOf(p)}/${t.id}`;
    mkdirs(dir, `${td}/devices`);
    putFile(dir, `${td}/create`, '', 0o200);
    putFile(dir, `${td}/name`, `${t.name}\n`);
    if (t.description !== undefined) putFile(dir, `${td}/description`, t.description);
    putFile(dir, `${td}/device_api`, `${t.deviceApi}\n`);
    putFile(dir, `${td}/available_instances`, `${availableInstances(p, t.id, new Map())}\n`);
  }
}

/** Registration with the mdev core: the compat class link is what makes it an mdev parent. */
export function registerParent(dir: string, p: SimParentDef): void {
  mkdirs(dir, typesDirOf(p));
  putLink(dir, classLinkOf(p), p.path);
}

/** The whole parent as a driver that registers its types at once leaves it. */
export function writeParent(dir: string, p: SimParentDef): void {
  writeParentDevice(dir, p);
  writeParentTypes(dir, p);
  registerParent(dir, p);
}
