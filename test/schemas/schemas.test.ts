// The schemas themselves, in process: each form and each datatype rule, independent of the CLI's
// explanations; compile-once; the input provider serves only .rng files under allowed directories.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadLibxml } from '../../src/schemas/libxml.js';
import { SchemaSet } from '../../src/schemas/compile.js';
import { SAFE_PARSE_OPTIONS } from '../../src/schemas/libxml.js';
import { OUR_SCHEMA, ourSchemaPath } from '../../src/schemas/locate.js';
import { tempDir } from '../helpers/cli.js';

const lx = await loadLibxml();
const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc';

function validates(schema: string, xml: string): boolean {
  const set = shared;
  const doc = lx.XmlDocument.fromString(xml, { option: SAFE_PARSE_OPTIONS });
  try {
    set.get(ourSchemaPath(schema)).validator.validate(doc);
    return true;
  } catch {
    return false;
  } finally {
    doc.dispose();
  }
}
const shared = new SchemaSet(lx);
test.after.always(() => shared.dispose());

const hostdev = (attrs: string, source: string, extra = '') =>
  `<hostdev mode='subsystem' ${attrs}><source>${source}</source>${extra}</hostdev>`;
const addr = `<address uuid='${U}'/>`;

const goodHostdevs: Record<string, string> = {
  'libvirt vfio-pci': hostdev("type='mdev' managed='no' model='vfio-pci' display='off' ramfb='on'", addr, "<alias name='hostdev0'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"),
  'libvirt vfio-ccw with boot': hostdev("type='mdev' model='vfio-ccw'", addr, "<boot order='1'/><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"),
  'libvirt vfio-ap': hostdev("type='mdev' model='vfio-ap'", `<address uuid='${U.replace(/-/g, '').toUpperCase()}'/>`),
  'rfc first form': hostdev("type='pci' managed='no'", `<mdev uuid='${U}'/>`, "<address type='pci' bus='0' slot='7'/>"),
  'rfc second form, ccw': hostdev("type='mdev'", `<mdev uuid='${U}'/>`, "<address type='ccw' devno='0x0002'/>"),
  'managed, type and parent': hostdev("type='mdev' managed='yes'", "<mdev type='nvidia-63' parent='0000:01:00.0'/>"),
  'managed, pool only': hostdev("type='mdev' managed='yes'", "<mdev pool='gpu.pool_1'/>"),
  'managed, type=pci': hostdev("type='pci' managed='yes'", `<mdev type='i915-GVTg_V5_4' uuid='${U}'/>`),
  'type id with a single dot': hostdev("type='mdev' managed='yes'", "<mdev type='a.b'/>"),
};
const badHostdevs: Record<string, string> = {
  'bad model': hostdev("type='mdev' model='vfio-gpu'", addr),
  'missing model in libvirt form': hostdev("type='mdev'", addr),
  'bad uuid': hostdev("type='mdev' model='vfio-pci'", "<address uuid='1234'/>"),
  'missing source': `<hostdev mode='subsystem' type='mdev' model='vfio-pci'/>`,
  'display on vfio-ccw': hostdev("type='mdev' model='vfio-ccw' display='on'", addr),
  'ramfb on a ccw-addressed rfc hostdev': hostdev("type='mdev' ramfb='on'", `<mdev uuid='${U}'/>`, "<address type='ccw'/>"),
  'vfio-ap with an address': hostdev("type='mdev' model='vfio-ap'", addr, "<address type='ccw'/>"),
  'boot on vfio-pci': hostdev("type='mdev' model='vfio-pci'", addr, "<boot order='1'/>"),
  'type id with /': hostdev("type='mdev' managed='yes'", "<mdev type='nvidia/63'/>"),
  'type id ..': hostdev("type='mdev' managed='yes'", "<mdev type='..'/>"),
  'type id .': hostdev("type='mdev' managed='yes'", "<mdev type='.'/>"),
  'type id containing ..': hostdev("type='mdev' managed='yes'", "<mdev type='a..b'/>"),
  'managed with neither type nor pool': hostdev("type='mdev' managed='yes'", "<mdev parent='mtty'/>"),
  'pool name starting with -': hostdev("type='mdev' managed='yes'", "<mdev pool='-p'/>"),
  'rfc form asking for creation without managed': hostdev("type='mdev' managed='no'", `<mdev uuid='${U}' type='nvidia-63'/>`),
  'rfc form without uuid': hostdev("type='mdev'", '<mdev/>'),
  'type=pci with model vfio-ccw': hostdev("type='pci' model='vfio-ccw'", `<mdev uuid='${U}'/>`),
  'two sources': `<hostdev type='mdev' model='vfio-pci'><source>${addr}</source><source>${addr}</source></hostdev>`,
};

for (const [name, xml] of Object.entries(goodHostdevs)) {
  test(`mdev-hostdev.rng accepts: ${name}`, (t) => t.true(validates(OUR_SCHEMA.hostdev, xml)));
  test(`domain-mdev.rng accepts a domain with: ${name}`, (t) => t.true(validates(OUR_SCHEMA.domain, `<domain><devices>${xml}</devices></domain>`)));
}
for (const [name, xml] of Object.entries(badHostdevs)) {
  test(`mdev-hostdev.rng rejects: ${name}`, (t) => t.false(validates(OUR_SCHEMA.hostdev, xml)));
  test(`domain-mdev.rng rejects a domain with: ${name}`, (t) => t.false(validates(OUR_SCHEMA.domain, `<domain><devices>${xml}</devices></domain>`)));
}

test('domain-mdev.rng leaves PCI, USB, SCSI and capabilities hostdevs alone', (t) => {
  const others = [
    `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source><rom bar='on'/></hostdev>`,
    `<hostdev mode='subsystem' type='usb'><source startupPolicy='optional'><vendor id='0x1234'/><product id='0xbeef'/></source><boot order='2'/></hostdev>`,
    `<hostdev mode='subsystem' type='scsi' sgio='filtered'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source><readonly/></hostdev>`,
    `<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>`,
  ];
  for (const h of others) t.true(validates(OUR_SCHEMA.domain, `<domain><devices>${h}</devices></domain>`), h);
});

test('mdev-metadata.rng: devices need a uuid and a type or pool; only our namespace', (t) => {
  const ns = "xmlns:v='http://virt-mdev.org/xmlns/domain/1.0'";
  t.true(validates(OUR_SCHEMA.metadata, `<v:mdev ${ns}><v:device uuid='${U}' type='nvidia-63' parent='0000:01:00.0' pool='p'/><v:device uuid='${U}' pool='p'/></v:mdev>`));
  t.true(validates(OUR_SCHEMA.metadata, `<mdev xmlns='http://virt-mdev.org/xmlns/domain/1.0'/>`));
  t.false(validates(OUR_SCHEMA.metadata, `<v:mdev ${ns}><v:device uuid='${U}'/></v:mdev>`));
  t.false(validates(OUR_SCHEMA.metadata, `<v:mdev ${ns}><v:device type='nvidia-63'/></v:mdev>`));
  t.false(validates(OUR_SCHEMA.metadata, `<v:mdev ${ns}><v:device uuid='${U}' type='x/y'/></v:mdev>`));
  t.false(validates(OUR_SCHEMA.metadata, `<v:mdev ${ns}><device uuid='${U}' type='t'/></v:mdev>`));
  t.false(validates(OUR_SCHEMA.metadata, `<mdev><device uuid='${U}' type='t'/></mdev>`));
  t.false(validates(OUR_SCHEMA.domain, `<domain><metadata><v:other ${ns}/></metadata></domain>`));
  t.true(validates(OUR_SCHEMA.domain, `<domain><metadata><v:mdev xmlns:v='urn:not-ours'><x/></v:mdev></metadata></domain>`));
});

test('each schema is compiled once per SchemaSet', (t) => {
  const a = shared.get(ourSchemaPath(OUR_SCHEMA.domain));
  const b = shared.get(ourSchemaPath(OUR_SCHEMA.domain));
  t.is(a, b);
  t.is(a.validator, b.validator);
});

test('a schema may not include files outside the directories it was loaded from', (t) => {
  const { dir, cleanup } = tempDir();
  const outside = tempDir();
  try {
    fs.writeFileSync(path.join(outside.dir, 'evil.rng'), `<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="x"><empty/></element></start></grammar>`);
    fs.writeFileSync(path.join(dir, 'main.rng'), `<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="${path.join(outside.dir, 'evil.rng')}"/></grammar>`);
    const set = new SchemaSet(lx);
    try {
      const e = t.throws(() => set.get(path.join(dir, 'main.rng')));
      t.regex(e!.message, /^cannot compile schema /);
    } finally {
      set.dispose();
    }
  } finally {
    cleanup();
    outside.cleanup();
  }
});

test('a disposed SchemaSet refuses further use', (t) => {
  const set = new SchemaSet(lx);
  set.get(ourSchemaPath(OUR_SCHEMA.hostdev));
  set.dispose();
  t.throws(() => set.get(ourSchemaPath(OUR_SCHEMA.hostdev)));
});
