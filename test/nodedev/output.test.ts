// What scripts and people read: the plain list, the --tree layout of virsh, --xpath/--wrap and --json.
import test from 'ava';
import { createdName, mdevXml, simHost } from './helpers.js';

const U1 = 'd069d019-36ea-4111-8f0a-8c9a70e21366';
const U2 = 'f2a178e7-8f63-4e02-9d72-43e388f41f82';

test('nodedev-list: one name per line in name order; --cap filters', async (t) => {
  const h = await simHost('mtty', 'gvt-g');
  t.teardown(h.cleanup);
  const c = await h.run(['nodedev-create', h.file('a.xml', mdevXml('pci_0000_00_02_0', 'i915-GVTg_V5_8', `    <uuid>${U1}</uuid>\n`))]);
  t.is(c.exitCode, 0, String(c.stderr));
  const all = await h.run(['nodedev-list']);
  t.is(String(all.stdout), [
    'computer',
    'mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_00_02_0',
    'mtty_mtty',
    'pci_0000_00_02_0',
    '',
  ].join('\n'));
  t.is(String((await h.run(['nodedev-list', '--cap', 'mdev_types'])).stdout), 'mtty_mtty\npci_0000_00_02_0\n');
  t.is(String((await h.run(['nodedev-list', '--cap', 'mdev'])).stdout), 'mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_00_02_0\n');
  t.is(String((await h.run(['nodedev-list', '--cap', 'mdev,pci'])).stdout), 'mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_00_02_0\npci_0000_00_02_0\n');
});

test('nodedev-list --tree: computer → bridges → parents → mdevs, drawn like virsh', async (t) => {
  const h = await simHost('nvidia', 'mtty');
  t.teardown(h.cleanup);
  for (const [parent, type, uuid] of [['pci_0000_41_00_0', 'nvidia-63', U1], ['mtty_mtty', 'mtty-1', U2]] as const) {
    const r = await h.run(['nodedev-create', h.file(`${uuid}.xml`, mdevXml(parent, type, `    <uuid>${uuid}</uuid>\n`))]);
    t.is(r.exitCode, 0, String(r.stderr));
  }
  const r = await h.run(['nodedev-list', '--tree']);
  t.is(r.exitCode, 0);
  t.is(String(r.stdout), [
    'computer',
    '  |',
    '  +- mtty_mtty',
    '  |   |',
    '  |   +- mdev_f2a178e7_8f63_4e02_9d72_43e388f41f82_mtty',
    '  |     ',
    '  +- pci_0000_40_01_1',
    '  |   |',
    '  |   +- pci_0000_41_00_0',
    '  |       |',
    '  |       +- mdev_d069d019_36ea_4111_8f0a_8c9a70e21366_0000_41_00_0',
    '  |         ',
    '  +- pci_0000_40_03_1',
    '      |',
    '      +- pci_0000_42_00_0',
    '        ',
    '',
  ].join('\n'));

  const j = await h.run(['--json', 'nodedev-list', '--tree']);
  t.deepEqual(JSON.parse(String(j.stdout)), [{
    name: 'computer',
    children: [
      { name: 'mtty_mtty', children: [{ name: `mdev_${U2.replace(/-/g, '_')}_mtty`, children: [] }] },
      { name: 'pci_0000_40_01_1', children: [{ name: 'pci_0000_41_00_0', children: [{ name: `mdev_${U1.replace(/-/g, '_')}_0000_41_00_0`, children: [] }] }] },
      { name: 'pci_0000_40_03_1', children: [{ name: 'pci_0000_42_00_0', children: [] }] },
    ],
  }]);
});

test('nodedev-dumpxml --xpath prints each result like virsh; --wrap wraps them in <nodes>', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const c = await h.run(['nodedev-create', h.file('m.xml', mdevXml('mtty_mtty', 'mtty-2', `    <uuid>${U2}</uuid>\n`))]);
  const name = createdName(String(c.stdout));
  const x = (args: string[]) => h.run(['nodedev-dumpxml', ...args]);

  t.is(String((await x([U2, '--xpath', '//uuid/text()'])).stdout), `${U2}\n`);
  t.is(String((await x([name, '--xpath', '//capability/type/@id'])).stdout), ' id="mtty-2"\n');
  t.is(String((await x(['mtty_mtty', '--xpath', "//type[@id='mtty-2']/availableInstances"])).stdout), '<availableInstances>11</availableInstances>\n');
  t.is(String((await x(['mtty_mtty', '--xpath', '//type/@id'])).stdout), ' id="mtty-1"\n id="mtty-2"\n');
  t.is(String((await x(['mtty_mtty', '--xpath', '//type[1]', '--wrap'])).stdout), [
    '<nodes>',
    '  <type id="mtty-1">',
    '    <name>Single port serial</name>',
    '    <deviceAPI>vfio-pci</deviceAPI>',
    '    <availableInstances>22</availableInstances>',
    '  </type>',
    '</nodes>',
    '',
  ].join('\n'));
  t.is(String((await x(['mtty_mtty', '--xpath', '//nothing'])).stdout), '');
  t.is(String((await x(['mtty_mtty', '--xpath', '//nothing', '--wrap'])).stdout), '<nodes/>\n');
  // beyond virsh: scalar results are printed rather than refused
  t.is(String((await x(['mtty_mtty', '--xpath', 'count(//type)'])).stdout), '2\n');
  t.is(String((await x(['mtty_mtty', '--xpath', 'string(//path)'])).stdout), '/sys/devices/virtual/mtty/mtty\n');
  const w = await x([name, '--wrap']);
  t.is(w.exitCode, 2);
});

test('--json: list, dumpxml and create give the model for scripts', async (t) => {
  const h = await simHost('gvt-g');
  t.teardown(h.cleanup);
  const c = await h.run(['--json', 'nodedev-create', h.file('g.xml', mdevXml('0000:00:02.0', 'i915-GVTg_V5_4', `    <uuid>${U1}</uuid>\n`))]);
  t.is(c.exitCode, 0, String(c.stderr));
  const created = JSON.parse(String(c.stdout)) as Record<string, unknown>;
  t.like(created, { kind: 'mdev', name: `mdev_${U1.replace(/-/g, '_')}_0000_00_02_0`, uuid: U1, typeId: 'i915-GVTg_V5_4',
    parent: 'pci_0000_00_02_0', parentAddr: '0000:00:02.0', generatedUuid: false, capabilities: ['mdev'] });

  const list = JSON.parse(String((await h.run(['--json', 'nodedev-list'])).stdout)) as { name: string; capabilities: string[] }[];
  t.deepEqual(list.map((d) => [d.name, d.capabilities]), [
    ['computer', ['system']],
    [`mdev_${U1.replace(/-/g, '_')}_0000_00_02_0`, ['mdev']],
    ['pci_0000_00_02_0', ['pci', 'mdev_types']],
  ]);
  const parent = JSON.parse(String((await h.run(['--json', 'nodedev-dumpxml', 'pci_0000_00_02_0'])).stdout)) as Record<string, unknown>;
  t.like(parent, {
    kind: 'pci-parent', address: '0000:00:02.0', driver: 'i915',
    pci: { domain: 0, bus: 0, slot: 2, function: 0, vendorId: 0x8086, productId: 0x3e92, classCode: 0x030000, isBridge: false },
    types: [{ id: 'i915-GVTg_V5_4', availableInstances: 0 }, { id: 'i915-GVTg_V5_8', availableInstances: 0 }],
  });
  t.regex(parent.xml as string, /^<device>\n {2}<name>pci_0000_00_02_0<\/name>/);
  const xp = JSON.parse(String((await h.run(['--json', 'nodedev-dumpxml', U1, '--xpath', '//uuid/text()'])).stdout)) as Record<string, unknown>;
  t.deepEqual(xp, { name: `mdev_${U1.replace(/-/g, '_')}_0000_00_02_0`, xpath: '//uuid/text()', result: `${U1}\n` });
});
