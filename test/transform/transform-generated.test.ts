// Generated domains: every combination of form, model, quoting, indentation and line ending, with
// and without <metadata>. transform must be idempotent, give libvirt's form everywhere, keep every
// byte outside the hostdevs and metadata, and (when xmllint is installed) satisfy domain.rng.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { transformDomainXml } from '../../src/transform/transform.js';
import { tempDir } from '../helpers/cli.js';

const DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

interface Gen { text: string; hostdevs: number }

function generate(seed: number): Gen {
  const r = rng(seed);
  const nl = ['\n', '\r\n'][r(2)];
  const unit = ['  ', '    ', '\t'][r(3)];
  const q = ["'", '"'][r(2)];
  const a = (name: string, value: string): string => `${name}=${q}${value}${q}`;
  const lines: string[] = [];
  const push = (depth: number, s: string): void => { lines.push(unit.repeat(depth) + s); };
  if (r(2)) lines.push(`<?xml version=${q}1.0${q}?>`);
  if (r(3) === 0) lines.push('<!-- generated -->');
  push(0, `<domain ${a('type', 'kvm')}>`);
  push(1, `<name>gen-${seed}</name>`);
  if (r(5)) push(1, `<uuid>${(seed * 7919).toString(16).padStart(8, '0')}-1111-4222-8333-444444444444</uuid>`);
  if (r(3) === 0) push(1, '<description><![CDATA[<hostdev type="mdev"/> is text here]]></description>');
  const meta = r(4);
  if (meta === 1) push(1, '<metadata/>');
  if (meta === 2) { push(1, '<metadata>'); push(2, `<x:y xmlns:x=${q}urn:x${q}>keep</x:y>`); push(1, '</metadata>'); }
  push(1, `<memory ${a('unit', 'KiB')}>1048576</memory>`);
  push(1, '<os>'); push(2, `<type ${a('arch', 'x86_64')}>hvm</type>`); push(1, '</os>');
  push(1, '<devices>');
  if (r(2)) push(2, `<graphics ${a('type', 'vnc')}/>`);
  const n = 1 + r(6);
  let slot = 3;
  let ap = false;
  for (let i = 0; i < n; i++) {
    const form = r(4);
    let model = ['vfio-pci', 'vfio-pci', 'vfio-ccw', 'vfio-ap'][r(4)];
    if (model === 'vfio-ap' && ap) model = 'vfio-pci';
    if (model === 'vfio-ap') ap = true;
    const uuid = `${(seed * 31 + i).toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${i.toString(16).padStart(12, '0')}`;
    const guest = model === 'vfio-pci' ? (r(2) ? `<address ${a('type', 'pci')} ${a('domain', '0x0000')} ${a('bus', '0x00')} ${a('slot', `0x${(slot++).toString(16).padStart(2, '0')}`)} ${a('function', '0x0')}/>` : undefined)
      : model === 'vfio-ccw' ? `<address ${a('type', 'ccw')} ${a('cssid', '0xfe')} ${a('ssid', '0x0')} ${a('devno', `0x${(i + 1).toString(16).padStart(4, '0')}`)}/>` : undefined;
    const withModel = model !== 'vfio-pci' || !guest || r(2) ? ` ${a('model', model)}` : '';
    let open: string;
    let src: string;
    if (form === 0) { open = `<hostdev ${a('mode', 'subsystem')} ${a('type', 'mdev')} ${a('managed', 'no')} ${a('model', model)}>`; src = `<address ${a('uuid', uuid)}/>`; }
    else if (form === 1) {
      const g = model === 'vfio-pci' ? 'pci' : model === 'vfio-ccw' ? 'ccw' : 'ap';
      open = `<hostdev ${a('mode', 'subsystem')} ${a('type', g)}>`; src = `<mdev ${a('uuid', uuid)}/>`;
    } else if (form === 2) { open = `<hostdev ${a('mode', 'subsystem')} ${a('type', 'mdev')}${withModel}>`; src = `<mdev ${a('uuid', uuid)}/>`; }
    else {
      open = `<hostdev ${a('mode', 'subsystem')} ${a('type', 'mdev')} ${a('managed', 'yes')}${withModel}>`;
      const req = [[a('type', 'mtty-1')], [a('type', 'nvidia-63'), a('parent', '0000:41:00.0')], [a('pool', 'vdi')], [a('type', 'mtty-2'), a('uuid', uuid)]][r(4)];
      src = `<mdev ${req.join(' ')}/>`;
    }
    push(2, open);
    if (r(4) === 0) push(3, `<source>${src}</source>`);
    else { push(3, '<source>'); push(4, src); push(3, '</source>'); }
    if (guest) push(3, guest);
    push(2, '</hostdev>');
  }
  push(1, '</devices>');
  push(0, '</domain>');
  return { text: lines.join(nl) + (r(4) ? nl : ''), hostdevs: n };
}

const xmllint = await execa('xmllint', ['--version'], { reject: false }).then((x) => x.exitCode === 0, () => false);
const docs = Array.from({ length: 300 }, (_, i) => ({ seed: i + 1, ...generate(i + 1) }));

test('300 generated domains: idempotent, libvirt form everywhere, nothing else changed', (t) => {
  for (const d of docs) {
    const r = transformDomainXml(d.text, `gen-${d.seed}.xml`);
    const again = transformDomainXml(r.output);
    t.is(again.output, r.output, `seed ${d.seed}: idempotent`);
    const out = parseDomainXml(r.output);
    t.is(out.hostdevs.length, d.hostdevs, `seed ${d.seed}`);
    t.true(out.hostdevs.every((h) => h.form === 'libvirt' && h.modelSource === 'attribute'), `seed ${d.seed}`);
    t.deepEqual(out.hostdevs.map((h) => h.model), r.devices.map((x) => x.model), `seed ${d.seed}: models kept`);
    // outside <hostdev>…</hostdev> and <metadata>…</metadata>, the bytes are the same
    const strip = (s: string): string => s.replace(/<hostdev[\s\S]*?<\/hostdev>/g, 'H').replace(/\s*<metadata(\/>|>[\s\S]*?<\/metadata>)/g, '');
    t.is(strip(r.output), strip(d.text), `seed ${d.seed}: bytes outside hostdevs and metadata`);
  }
});

const check = xmllint && fs.existsSync(DOMAIN_RNG) ? test : process.env.CI ? test : test.skip;
check('generated transform outputs validate against domain.rng', async (t) => {
  if (!xmllint || !fs.existsSync(DOMAIN_RNG)) return t.fail('xmllint and libvirt schemas must be installed in CI');
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const files = docs.slice(0, 80).map((d) => {
    const f = path.join(dir, `gen-${d.seed}.xml`);
    fs.writeFileSync(f, transformDomainXml(d.text).output);
    return f;
  });
  const r = await execa('xmllint', ['--noout', '--relaxng', DOMAIN_RNG, ...files], { reject: false });
  t.is(r.exitCode, 0, String(r.stderr).split('\n').filter((l) => !l.endsWith(' validates')).join('\n'));
});
