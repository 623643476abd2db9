// The pure parts on hand-made objects: names, XML formatting and escaping, the input parser, the tree.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import type { MdevBus, MdevDevice, MdevParent } from '../../src/mdevbus/types.js';
import { collectNodeDevices } from '../../src/nodedev/collect.js';
import { formatNodedevXml } from '../../src/nodedev/format.js';
import { findNodedev } from '../../src/nodedev/lookup.js';
import type { NodeDevice } from '../../src/nodedev/model.js';
import { childNodedevName, parentNodedevName, parseNameArg, sysfsParentNodedev } from '../../src/nodedev/names.js';
import { parseMdevCreateXml } from '../../src/nodedev/parse.js';
import { renderTree } from '../../src/nodedev/tree.js';
import { isVirtMdevError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/cli.js';

test('parent names as libvirt 9 gives them', (t) => {
  t.is(parentNodedevName({ name: '0000:00:02.0', subsystem: 'pci', sysfsPath: '/sys/devices/pci0000:00/0000:00:02.0' }), 'pci_0000_00_02_0');
  t.is(parentNodedevName({ name: '0000:af:1f.7', subsystem: 'pci', sysfsPath: '/x/0000:af:1f.7' }), 'pci_0000_af_1f_7');
  t.is(parentNodedevName({ name: '0.0.0052', subsystem: 'css', sysfsPath: '/sys/devices/css0/0.0.0052' }), 'css_0_0_0052');
  t.is(parentNodedevName({ name: 'matrix', subsystem: 'matrix', sysfsPath: '/sys/devices/vfio_ap/matrix' }), 'ap_matrix');
  t.is(parentNodedevName({ name: 'mtty', subsystem: 'mtty', sysfsPath: '/sys/devices/virtual/mtty/mtty' }), 'mtty_mtty');
  // no subsystem link: the class comes from /sys/devices/virtual/<class>/<name>
  t.is(parentNodedevName({ name: 'mdpy', sysfsPath: '/sys/devices/virtual/mdpy/mdpy' }), 'mdpy_mdpy');
  t.is(parentNodedevName({ name: '0000:00:02.0', sysfsPath: '/sys/devices/pci0000:00/0000:00:02.0' }), 'pci_0000_00_02_0');
});

test('child names: mdev_<uuid>_<parent address>, non-alphanumerics as _', (t) => {
  t.is(childNodedevName('d069d019-36ea-4111-8f0a-8c9a70e21366', '0000:00:02.0'), 'mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_00_02_0');
  t.is(childNodedevName('D069D019-36EA-4111-8F0A-8C9A70E21366', 'mtty'), 'mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_mtty');
  t.is(childNodedevName('cc000052-9b13-9b13-9b13-cc23009b1326', '0.0.0052'), 'mdev_cc000052_9b13_9b13_9b13_cc23009b1326_0_0_0052');
  t.is(childNodedevName('783e6dbb-ea0e-411f-94e2-717eaad438bf', 'matrix'), 'mdev_783e6dbb_ea0e_411f_94e2_717eaad438bf_matrix');
});

test('sysfs ancestry gives a PCI device behind a bridge the bridge as parent', (t) => {
  t.is(sysfsParentNodedev('/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0'), 'pci_0000_40_01_1');
  t.is(sysfsParentNodedev('/sys/devices/pci0000:00/0000:00:02.0'), 'computer');
  t.is(sysfsParentNodedev('/sys/devices/virtual/mtty/mtty'), 'computer');
});

test('NAME|UUID arguments: every UUID spelling, old and new mdev names, path-like input refused', (t) => {
  const u = 'd069d019-36ea-4111-8f0a-8c9a70e21366';
  t.deepEqual(parseNameArg(u), { kind: 'uuid', uuid: u });
  t.deepEqual(parseNameArg(u.toUpperCase()), { kind: 'uuid', uuid: u });
  t.deepEqual(parseNameArg(u.replace(/-/g, '')), { kind: 'uuid', uuid: u });
  t.deepEqual(parseNameArg(`mdev_${u.replace(/-/g, '_')}`), { kind: 'uuid', uuid: u });
  t.deepEqual(parseNameArg(`mdev_${u.replace(/-/g, '_')}_0000_00_02_0`), { kind: 'uuid', uuid: u, parentSuffix: '0000_00_02_0' });
  t.deepEqual(parseNameArg('pci_0000_00_02_0'), { kind: 'name', name: 'pci_0000_00_02_0' });
  for (const bad of ['../etc', 'a/b', '..', '', 'x'.repeat(300), 'a\nb']) {
    const e = t.throws(() => parseNameArg(bad));
    t.true(isVirtMdevError(e) && e.exitCode === 4, bad);
  }
});

const parentMtty: MdevParent = {
  name: 'mtty', sysfsPath: '/sys/devices/virtual/mtty/mtty', subsystem: 'mtty',
  types: [
    { id: 'mtty-1', parent: 'mtty', name: 'Single port serial', deviceApi: 'vfio-pci', availableInstances: 22, devices: [] },
    { id: 'mtty-2', parent: 'mtty', name: 'Dual <port> & "serial"', deviceApi: 'vfio-pci', availableInstances: 11, devices: ['f2a178e7-8f63-4e02-9d72-43e388f41f82'] },
  ],
};
const devMtty: MdevDevice = {
  uuid: 'f2a178e7-8f63-4e02-9d72-43e388f41f82', parent: 'mtty', typeId: 'mtty-2',
  sysfsPath: '/sys/devices/virtual/mtty/mtty/f2a178e7-8f63-4e02-9d72-43e388f41f82', iommuGroup: 0, driver: 'mtty',
};

function fakeBus(parents: MdevParent[], devices: MdevDevice[]): MdevBus {
  return {
    listParents: () => parents,
    getParent: (n) => parents.find((p) => p.name === n)!,
    listDevices: () => devices,
    findDevice: (u) => devices.find((d) => d.uuid === u),
    removalPending: () => false,
    create: () => Promise.reject(new Error('read-only fake')),
    remove: () => Promise.reject(new Error('read-only fake')),
    removeEach: () => Promise.reject(new Error('read-only fake')),
  };
}

test('XML of a class parent and its child matches libvirt 9 output, with text escaped', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const devices = collectNodeDevices(new HostRoot(tmp.dir), fakeBus([parentMtty], [devMtty]));
  const parent = devices.find((d) => d.name === 'mtty_mtty')!;
  t.is(formatNodedevXml(parent), `<device>
  <name>mtty_mtty</name>
  <path>/sys/devices/virtual/mtty/mtty</path>
  <parent>computer</parent>
  <capability type='mdev_types'>
    <capability type='mdev_types'>
      <type id='mtty-1'>
        <name>Single port serial</name>
        <deviceAPI>vfio-pci</deviceAPI>
        <availableInstances>22</availableInstances>
      </type>
      <type id='mtty-2'>
        <name>Dual &lt;port&gt; &amp; "serial"</name>
        <deviceAPI>vfio-pci</deviceAPI>
        <availableInstances>11</availableInstances>
      </type>
    </capability>
  </capability>
</device>
`);
  const child = devices.find((d) => d.kind === 'mdev')!;
  t.is(formatNodedevXml(child), `<device>
  <name>mdev_f2a178e7_8f63_4e02_9d72_43e388f41f82_mtty</name>
  <path>/sys/devices/virtual/mtty/mtty/f2a178e7-8f63-4e02-9d72-43e388f41f82</path>
  <parent>mtty_mtty</parent>
  <driver>
    <name>mtty</name>
  </driver>
  <capability type='mdev'>
    <type id='mtty-2'/>
    <uuid>f2a178e7-8f63-4e02-9d72-43e388f41f82</uuid>
    <parent_addr>mtty</parent_addr>
    <iommuGroup number='0'/>
  </capability>
</device>
`);
  t.is(findNodedev(devices, 'F2A178E7-8F63-4E02-9D72-43E388F41F82'), child);
  t.is(findNodedev(devices, 'mtty'), parent);
  t.is(findNodedev(devices, 'mdev_f2a178e7_8f63_4e02_9d72_43e388f41f82_0000_00_02_0'), undefined);
});

test('attributes and control characters are escaped so the XML stays well-formed', (t) => {
  const d: NodeDevice = {
    kind: 'mdev', name: 'mdev_x', parent: 'ap_matrix', uuid: '783e6dbb-ea0e-411f-94e2-717eaad438bf', typeId: "we'ird", parentAddr: 'matrix',
    attrs: [{ name: 'a', value: `<&>'"\t\n\u0001` }], active: true, persistent: true, autostart: false,
  };
  const xml = formatNodedevXml(d);
  t.true(xml.includes(`<type id='we&apos;ird'/>`));
  t.true(xml.includes(`<attr name='a' value='&lt;&amp;&gt;&apos;&quot;&#9;&#10;\ufffd'/>`));
});

test('the computer gets a system capability from DMI when the hardware UUID is readable', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const dmi = path.join(tmp.dir, 'sys/class/dmi/id');
  fs.mkdirSync(dmi, { recursive: true });
  fs.writeFileSync(path.join(dmi, 'product_uuid'), '4C4C4544-0042-3610-8057-B4C04F4B4E32\n');
  fs.writeFileSync(path.join(dmi, 'product_name'), 'PowerEdge R740\n');
  fs.writeFileSync(path.join(dmi, 'sys_vendor'), 'Dell Inc.\n');
  fs.writeFileSync(path.join(dmi, 'bios_version'), '2.12.2\n');
  const [computer] = collectNodeDevices(new HostRoot(tmp.dir), fakeBus([], []));
  t.is(formatNodedevXml(computer!), `<device>
  <name>computer</name>
  <capability type='system'>
    <product>PowerEdge R740</product>
    <hardware>
      <vendor>Dell Inc.</vendor>
      <uuid>4c4c4544-0042-3610-8057-b4c04f4b4e32</uuid>
    </hardware>
    <firmware>
      <version>2.12.2</version>
    </firmware>
  </capability>
</device>
`);
});

test('renderTree draws like virsh, with a lone root and orphans as roots of their own', (t) => {
  t.is(renderTree([{ name: 'computer' }]), 'computer\n\n');
  t.is(renderTree([{ name: 'computer' }, { name: 'a', parent: 'computer' }, { name: 'b', parent: 'computer' }]),
    'computer\n  |\n  +- a\n  +- b\n    \n');
});

function expectErr(t: { is: (a: unknown, b: unknown) => void; regex: (s: string, r: RegExp) => void }, xml: string, code: number, re: RegExp): void {
  const e = parseErr(xml);
  t.is(e.code, code);
  t.regex(e.message, re);
}

function parseErr(xml: string): { code: number; message: string } {
  try {
    parseMdevCreateXml(xml, 'in.xml');
  } catch (e) {
    if (isVirtMdevError(e)) return { code: e.exitCode, message: e.message };
    throw e;
  }
  throw new Error('expected a parse error');
}

test('input parser: libvirt form with attrs in order, UUID canonicalised, ignored informational elements', (t) => {
  const req = parseMdevCreateXml(`<?xml version="1.0"?>
<!-- a comment -->
<device>
  <name>mdev_d2441d39_495e_4243_ad9f_beb3f14c23d9</name>
  <path>/sys/devices/x</path>
  <parent>pci_0000_00_02_0</parent>
  <driver><name>vfio_mdev</name></driver>
  <capability type='mdev'>
    <type id='i915-GVTg_V5_8'/>
    <uuid>D2441D39495E4243AD9FBEB3F14C23D9</uuid>
    <iommuGroup number='3'/>
    <attr name='example-attribute-1' value='attribute-value-1'/>
    <attr name='example-attribute-2' value='a &amp; b'/>
  </capability>
</device>`, 'in.xml');
  t.deepEqual(req, {
    parent: 'pci_0000_00_02_0', typeId: 'i915-GVTg_V5_8', uuid: 'd2441d39-495e-4243-ad9f-beb3f14c23d9',
    attrs: [{ name: 'example-attribute-1', value: 'attribute-value-1' }, { name: 'example-attribute-2', value: 'a & b' }],
  });
});

test('input parser: every problem is one message with file:line:col and its exit code', (t) => {
  t.like(parseErr('<device>\n  <parent>x</parent>\n  <capability type="mdev"><type/></capability></device>'), { code: 3, message: "in.xml:3:27: <type> has no id attribute: write <type id='mtty-2'/> with a type from 'virt-mdev nodedev-list --cap mdev_types'" });
  t.like(parseErr('<device><parent>x</parent><capability type="mdev"><type id="a"/><type id="b"/></capability></device>'), { code: 3 });
  t.like(parseErr('<device><parent>x</parent><parent>y</parent></device>'), { code: 3 });
  expectErr(t, '<device><capability type="mdev"><type id="a"/></capability></device>', 3, /no <parent>/);
  t.like(parseErr('<device><parent wwnn="1" wwpn="2"/></device>'), { code: 4 });
  t.like(parseErr('<device><parent>x</parent><capability type="mdev"><type id="a"/><uuid>x</uuid></capability></device>'), { code: 4 });
  expectErr(t, '<?xml-stylesheet href="x"?><device/>', 3, /processing instruction/);
  t.like(parseErr('<device><parent>&#x3c;</parent></device>'), { code: 3 });
  expectErr(t, '<device><parent> </parent><capability type="mdev"><type id="a"/></capability></device>', 3, /<parent> is empty/);
  expectErr(t, '<device><parent>x</parent><capability type="mdev"><type id="a"/></capability><bogus/></device>', 3, /unexpected element <bogus> in <device>/);
});
