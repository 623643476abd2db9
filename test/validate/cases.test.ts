// Single mistakes written inline, checked for position and wording, and the forms that must pass.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, virtMdev } from '../helpers/cli.js';
import { domainWith } from './corpus.js';

const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc';

async function check(xml: string, args: string[] = []): Promise<{ code: number | undefined; out: string; file: string }> {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'd.xml');
    fs.writeFileSync(file, xml);
    const r = await virtMdev(['validate', '-q', ...args, file]);
    return { code: r.exitCode, out: String(r.stdout).split(`${dir}/`).join('') + String(r.stderr), file: 'd.xml' };
  } finally {
    cleanup();
  }
}

const libvirtHostdev = (attrs: string, inner = '') =>
  `    <hostdev mode='subsystem' type='mdev'${attrs}>\n      <source><address uuid='${U}'/></source>${inner}\n    </hostdev>`;

test('a non-mdev PCI hostdev carrying a model or odd children is not ours to judge', async (t) => {
  const xml = domainWith(`    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source>
      <rom bar='on'/>
    </hostdev>
    <hostdev mode='capabilities' type='storage'>
      <source><block>/dev/sdf1</block></source>
    </hostdev>`);
  const r = await check(xml, ['--no-libvirt']);
  t.is(r.code, 0, r.out);
});

test('bad model names the attribute', async (t) => {
  const r = await check(domainWith(libvirtHostdev(" model='vfio-gpu'")));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:50: model='vfio-gpu' is not an mdev model: use 'vfio-pci' or 'vfio-ccw' or 'vfio-ap'$/m);
});

test("libvirt's form without model", async (t) => {
  const r = await check(domainWith(libvirtHostdev('')));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:5: libvirt's mdev <hostdev> needs model=/m);
});

test('ramfb on vfio-ap and a pci address on vfio-ccw', async (t) => {
  const r = await check(domainWith(libvirtHostdev(" model='vfio-ap' ramfb='on'") + '\n' +
    libvirtHostdev(" model='vfio-ccw'", "\n      <address type='pci' bus='0x00' slot='0x05'/>")));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:59: ramfb= is only supported with model='vfio-pci'/m);
  t.regex(r.out, /^d\.xml:11:7: guest <address type='pci'> does not fit model is vfio-ccw/m);
});

test('rfc second form without model takes vfio-ccw from a ccw address, so display is refused', async (t) => {
  const xml = domainWith(`    <hostdev mode='subsystem' type='mdev' display='on'>
      <source><mdev uuid='${U}'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0004'/>
    </hostdev>`);
  const r = await check(xml);
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:43: display= is only supported with model='vfio-pci' \(no model, so vfio-ccw\)/m);
});

test('rfc first form (type=pci) with a vfio-ccw model is contradictory', async (t) => {
  const r = await check(domainWith(`    <hostdev mode='subsystem' type='pci' model='vfio-ccw'>
      <source><mdev uuid='${U}'/></source>
    </hostdev>`));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:49: type='pci' names the guest side as pci: model must be 'vfio-pci'/m);
});

test('pool name and parent name are checked', async (t) => {
  const r = await check(domainWith(`    <hostdev mode='subsystem' type='mdev' managed='yes'>
      <source><mdev type='nvidia-63' parent='../../etc' pool='-x'/></source>
    </hostdev>`));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:7:46: parent '\.\.\/\.\.\/etc' is not a valid parent device name/m);
  t.regex(r.out, /^d\.xml:7:63: pool name '-x' is not valid/m);
});

test('unknown element in our namespace and a metadata device without type or pool', async (t) => {
  const meta = `
  <metadata>
    <vm:mdev xmlns:vm='http://virt-mdev.org/xmlns/domain/1.0'>
      <vm:device uuid='${U}'/>
    </vm:mdev>
    <vm:pools xmlns:vm='http://virt-mdev.org/xmlns/domain/1.0'/>
  </metadata>`;
  const r = await check(domainWith('', meta));
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:5:7: <vm:device> names neither type nor pool/m);
  t.regex(r.out, /^d\.xml:7:5: unknown element <vm:pools> in virt-mdev's namespace/m);
});

test('our metadata is recognised by namespace, not by prefix', async (t) => {
  const meta = `
  <metadata>
    <other:mdev xmlns:other='http://virt-mdev.org/xmlns/domain/1.0'>
      <other:device uuid='${U}' type='nvidia-63'/>
    </other:mdev>
    <virt-mdev:mdev xmlns:virt-mdev='urn:somebody-else'><anything/></virt-mdev:mdev>
  </metadata>`;
  const r = await check(domainWith(libvirtHostdev(" managed='yes' model='vfio-pci'"), meta));
  t.is(r.code, 0, r.out);
});

test('CRLF line ends and a UTF-8 BOM do not shift positions', async (t) => {
  const xml = '\ufeff' + domainWith(libvirtHostdev(" model='bogus'")).replace(/\n/g, '\r\n');
  const r = await check(xml);
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:50: model='bogus'/m);
});

test('the first form may name any guest bus: type=ccw and type=ap', async (t) => {
  const xml = domainWith(`    <hostdev mode='subsystem' type='ccw'>
      <source><mdev uuid='${U}'/></source>
      <boot order='1'/>
    </hostdev>
    <hostdev mode='subsystem' type='ap' managed='yes'>
      <source><mdev type='vfio_ap-passthrough'/></source>
    </hostdev>`);
  const r = await check(xml);
  t.is(r.code, 0, r.out);
  const ap = await check(domainWith(`    <hostdev mode='subsystem' type='ap'>
      <source><mdev uuid='${U}'/></source>
      <address type='ccw'/>
    </hostdev>`));
  t.is(ap.code, 1);
  t.regex(ap.out, /^d\.xml:8:7: a vfio-ap mdev has no guest address/m);
});

test('rules across hostdevs: duplicate UUID, two ramfb, two vfio-ap, display without graphics, duplicate metadata', async (t) => {
  const u2 = U.replace(/dc$/, 'dd');
  const meta = `
  <metadata>
    <vm:mdev xmlns:vm='http://virt-mdev.org/xmlns/domain/1.0'>
      <vm:device uuid='${u2}' type='nvidia-63'/>
      <vm:device uuid='${u2.toUpperCase()}' type='nvidia-64'/>
    </vm:mdev>
  </metadata>`;
  const xml = domainWith(`    <hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'>
      <source><address uuid='${U}'/></source>
    </hostdev>
    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci' ramfb='on'>
      <source><address uuid='${U.toUpperCase()}'/></source>
    </hostdev>
    <hostdev mode='subsystem' type='mdev' model='vfio-ap'>
      <source><address uuid='${u2}'/></source>
    </hostdev>
    <hostdev mode='subsystem' type='ap'>
      <source><mdev uuid='${U.replace(/dc$/, 'de')}'/></source>
    </hostdev>`, meta);
  const r = await check(xml);
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:6:24: a second <vm:device> for UUID/m);
  t.regex(r.out, /^d\.xml:12:69: display='on' needs a <graphics> device/m);
  t.regex(r.out, /^d\.xml:16:30: mdev UUID 53764D0E-85A0-42B4-AF5C-2046B460B1DC is already used by the <hostdev> at line 12/m);
  t.regex(r.out, /^d\.xml:15:81: a second ramfb='on' \(the first is on the <hostdev> at line 12\)/m);
  t.regex(r.out, /^d\.xml:21:5: a second vfio-ap mdev \(the first is at line 18\)/m);
});

test('comments, CDATA and processing instructions holding markup do not shift positions', async (t) => {
  const xml = `<?xml version='1.0'?>
<?tool <fake attr='1'> ?>
<domain type='kvm'>
  <!-- <hostdev type='mdev'> in a comment -->
  <description><![CDATA[<hostdev type='mdev' model='x'>]]></description>
  <name>t</name>
  <devices>
    <?pi <hostdev> ?>
    <hostdev mode='subsystem' type='mdev' model='vfio-gpu'>
      <source><address uuid='${U}'/></source>
    </hostdev>
  </devices>
</domain>
`;
  const r = await check(xml);
  t.is(r.code, 1);
  t.regex(r.out, /^d\.xml:9:50: model='vfio-gpu'/m);
});
