// libvirt 9's node-device XML, element for element in the formatter's order (the schema fixes the
// order inside <capability type='pci'>), indented by two spaces, attributes in single quotes.
import { lifecycleOf, type MdevTypeInfo, type NodeDevice, type PciInfo, type SystemInfo } from './model.js';

// Characters XML 1.0 cannot carry at all; sysfs text is untrusted and could contain them.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  // tab/newline/CR as character references so attribute-value normalisation does not eat them
  return escapeText(s).replace(/'/g, '&apos;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

class Out {
  private readonly lines: string[] = [];
  line(depth: number, s: string): void { this.lines.push('  '.repeat(depth) + s); }
  text(depth: number, tag: string, value: string | number): void {
    this.line(depth, `<${tag}>${escapeText(String(value))}</${tag}>`);
  }
  toString(): string { return this.lines.join('\n') + '\n'; }
}

const hex = (n: number, w: number): string => '0x' + n.toString(16).padStart(w, '0');

function mdevTypes(o: Out, depth: number, types: MdevTypeInfo[]): void {
  // the schema requires at least one <type>; a parent without types reports no mdev_types capability
  if (types.length === 0) return;
  o.line(depth, `<capability type='mdev_types'>`);
  for (const t of types) {
    o.line(depth + 1, `<type id='${escapeAttr(t.id)}'>`);
    if (t.name !== undefined) o.text(depth + 2, 'name', t.name);
    o.text(depth + 2, 'deviceAPI', t.deviceApi);
    o.text(depth + 2, 'availableInstances', t.availableInstances);
    o.line(depth + 1, '</type>');
  }
  o.line(depth, '</capability>');
}

function pciCap(o: Out, pci: PciInfo, types: MdevTypeInfo[] | undefined): void {
  o.line(1, `<capability type='pci'>`);
  if (pci.classCode !== undefined) o.text(2, 'class', hex(pci.classCode, 6));
  o.text(2, 'domain', pci.domain);
  o.text(2, 'bus', pci.bus);
  o.text(2, 'slot', pci.slot);
  o.text(2, 'function', pci.function);
  o.line(2, `<product id='${hex(pci.productId, 4)}'/>`);
  o.line(2, `<vendor id='${hex(pci.vendorId, 4)}'/>`);
  if (pci.isBridge) o.line(2, `<capability type='pci-bridge'/>`);
  if (types) mdevTypes(o, 2, types);
  if (pci.iommuGroup) {
    o.line(2, `<iommuGroup number='${pci.iommuGroup.number}'>`);
    for (const a of pci.iommuGroup.addresses) {
      const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-7])$/.exec(a)!;
      o.line(3, `<address domain='0x${m[1]!.toLowerCase()}' bus='0x${m[2]!.toLowerCase()}' slot='0x${m[3]!.toLowerCase()}' function='0x${m[4]}'/>`);
    }
    o.line(2, '</iommuGroup>');
  }
  if (pci.numaNode !== undefined) o.line(2, `<numa node='${pci.numaNode}'/>`);
  o.line(1, '</capability>');
}

function systemCap(o: Out, s: SystemInfo): void {
  o.line(1, `<capability type='system'>`);
  if (s.product !== undefined) o.text(2, 'product', s.product);
  o.line(2, '<hardware>');
  if (s.hardware.vendor !== undefined) o.text(3, 'vendor', s.hardware.vendor);
  if (s.hardware.version !== undefined) o.text(3, 'version', s.hardware.version);
  if (s.hardware.serial !== undefined) o.text(3, 'serial', s.hardware.serial);
  o.text(3, 'uuid', s.hardware.uuid);
  o.line(2, '</hardware>');
  const fw = s.firmware;
  if (fw.vendor === undefined && fw.version === undefined && fw.releaseDate === undefined) {
    o.line(2, '<firmware/>');
  } else {
    o.line(2, '<firmware>');
    if (fw.vendor !== undefined) o.text(3, 'vendor', fw.vendor);
    if (fw.version !== undefined) o.text(3, 'version', fw.version);
    if (fw.releaseDate !== undefined) o.text(3, 'release_date', fw.releaseDate);
    o.line(2, '</firmware>');
  }
  o.line(1, '</capability>');
}

/** The libvirt 9 `<device>` document for one node device, ending in a newline like virsh prints it. */
export function formatNodedevXml(d: NodeDevice): string {
  const o = new Out();
  o.line(0, '<device>');
  o.text(1, 'name', d.name);
  if (d.path !== undefined) o.text(1, 'path', d.path);
  if (d.parent !== undefined) o.text(1, 'parent', d.parent);
  if (d.driver !== undefined) {
    o.line(1, '<driver>');
    o.text(2, 'name', d.driver);
    o.line(1, '</driver>');
  }
  switch (d.kind) {
    case 'system':
      if (d.system) systemCap(o, d.system);
      break;
    case 'pci':
      pciCap(o, d.pci, undefined);
      break;
    case 'pci-parent':
      pciCap(o, d.pci, d.types);
      break;
    case 'css':
      o.line(1, `<capability type='css'>`);
      o.text(2, 'cssid', hex(d.cssid, 1));
      o.text(2, 'ssid', hex(d.ssid, 1));
      o.text(2, 'devno', hex(d.devno, 4));
      mdevTypes(o, 2, d.types);
      o.line(1, '</capability>');
      break;
    case 'ap_matrix':
      o.line(1, `<capability type='ap_matrix'>`);
      mdevTypes(o, 2, d.types);
      o.line(1, '</capability>');
      break;
    case 'class':
      // libvirt 9 reports a class parent's types in an mdev_types capability nested in another one
      if (d.types.length > 0) {
        o.line(1, `<capability type='mdev_types'>`);
        mdevTypes(o, 2, d.types);
        o.line(1, '</capability>');
      }
      break;
    case 'mdev':
      o.line(1, `<capability type='mdev'>`);
      o.line(2, `<type id='${escapeAttr(d.typeId)}'/>`);
      o.text(2, 'uuid', d.uuid);
      o.text(2, 'parent_addr', d.parentAddr);
      if (d.iommuGroup !== undefined) o.line(2, `<iommuGroup number='${d.iommuGroup}'/>`);
      // libvirt 9.0 prints the zeroed group of a device that does not exist (only its definition does)
      else if (!d.active) o.line(2, `<iommuGroup number='0'/>`);
      for (const a of d.attrs) o.line(2, `<attr name='${escapeAttr(a.name)}' value='${escapeAttr(a.value)}'/>`);
      o.line(1, '</capability>');
      break;
  }
  o.line(0, '</device>');
  return o.toString();
}

/** `virsh nodedev-info` as 9.0 prints it: five lines, each label padded to 15 columns. */
export function formatNodedevInfo(d: NodeDevice): string {
  const f = lifecycleOf(d);
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const rows: [string, string][] = [
    ['Name:', d.name], ['Parent:', d.parent ?? ''], ['Active:', yn(f.active)], ['Persistent:', yn(f.persistent)], ['Autostart:', yn(f.autostart)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join('');
}
