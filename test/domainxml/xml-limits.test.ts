// Depth and element count are bounded in every saxes parser, checked at each start tag before saxes
// walks the open elements: a deep document is refused in linear time (50,000 nested elements took
// tens of seconds in the hook and in transform), with exit 3 and one line; a domain with 10,000 mdev
// hostdevs is still read.
import test from 'ava';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { scanDomainStatus } from '../../src/ledger/running.js';
import { parseMdevCreateXml } from '../../src/nodedev/parse.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';
import { parseSmallXml } from '../../src/util/small-xml.js';
import { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '../../src/util/xml-limits.js';
import { virtMdev } from '../helpers/cli.js';
import { domainXml, hook, ledger, simHost, sysSnapshot, uuid } from '../hook/helpers.js';

const HEAD = "<domain type='kvm'>\n  <name>deep</name>\n  <uuid>aa0b1c2d-3e4f-4a5b-9c7d-8e9f0a1b2c3d</uuid>\n  <devices>\n";
const TAIL = '  </devices>\n</domain>\n';
/** the 50,000 nested elements of the report (350 KB) inside <devices> */
const DEEP = `${HEAD}${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}\n${TAIL}`;
/** the first start tag past the bound: <domain>, <devices> and 254 <a> are open around it */
const DEEP_COL = 1 + 3 * (MAX_XML_DEPTH - 2);

/** CPU milliseconds fn takes (not wall-clock: the suite runs under heavy load) */
function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function refused(t: import('ava').ExecutionContext, f: () => unknown, reason: string): VirtMdevError {
  let e: VirtMdevError | undefined;
  // the quadratic parse took 25 s of CPU for 50,000 levels; bounded it takes a few milliseconds
  const ms = cpuMs(() => { e = t.throws(f, { instanceOf: VirtMdevError }) as VirtMdevError; });
  t.true(ms < 2000, `refused after ${Math.round(ms)} ms of CPU: not linear`);
  if (!e) throw new Error('not refused');
  t.is(e.exitCode, ExitCode.BAD_XML);
  t.is(e.reason, reason);
  t.false(e.message.includes('\n'));
  return e;
}

test('the domain parser (hook and transform) refuses 50,000 nested elements fast, at the 257th level', (t) => {
  const e = refused(t, () => parseDomainXml(DEEP, 'deep.xml'), 'xml-too-deep');
  t.is(e.message, `deep.xml:5:${DEEP_COL}: <a>: elements nested more than 256 deep: libvirt (libxml2) refuses such documents too; refusing to read further`);
});

test('exactly 256 levels are read', (t) => {
  const text = `${HEAD}${'<a>'.repeat(MAX_XML_DEPTH - 2)}${'</a>'.repeat(MAX_XML_DEPTH - 2)}\n${TAIL}`;
  t.is(parseDomainXml(text).name, 'deep');
});

test('more elements than the bound are refused, naming where', (t) => {
  const text = `${HEAD}${'<a/>'.repeat(MAX_XML_ELEMENTS)}\n${TAIL}`;
  const e = refused(t, () => parseDomainXml(text, 'many.xml'), 'xml-too-many-elements');
  t.regex(e.message, /^many\.xml:5:\d+: <a>: more than 250000 elements: /);
});

test('a domain with 10,000 managed mdev hostdevs is read, in libvirt\'s status file too', (t) => {
  const managed = Array.from({ length: 10_000 }, (_, i) => ({ uuid: `0b2f5a3e-6c1d-4e8f-9a7b-${String(i).padStart(12, '0')}`, type: 'mtty-1' }));
  const xml = domainXml('big', uuid(), managed);
  t.is(parseDomainXml(xml, 'big.xml', { libvirtRules: false }).hostdevs.length, 10_000);
  // the status file adds an alias and a guest address to each hostdev
  const status = `<domstatus state='running'>\n${xml.replace(/<\/source>/g, "</source><alias name='hostdev0'/><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>")}</domstatus>\n`;
  t.is(scanDomainStatus(status).mdevUuids.size, 10_000);
});

test('node-device documents, pool definitions and status files have the same bound', (t) => {
  const nest = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  const e = refused(t, () => parseMdevCreateXml(`<device><name>${nest(50_000)}</name><capability type='mdev'><type id='mtty-1'/></capability></device>`, 'dev.xml'), 'xml-too-deep');
  t.regex(e.message, /^dev\.xml:1:\d+: <a>: elements nested more than 256 deep/);
  const p = refused(t, () => parseSmallXml(`<mdevpool>${nest(9000)}</mdevpool>`, 'pool.xml', 'pool definition', 1 << 20), 'xml-too-deep');
  t.regex(p.message, /^pool\.xml:1:\d+: <a>: elements nested more than 256 deep/);
  t.true(cpuMs(() => { t.throws(() => scanDomainStatus(`<domstatus><domain><name>x</name>${nest(50_000)}</domain></domstatus>`)); }) < 2000);
});

test('transform refuses the deep document with exit 3 and one line', async (t) => {
  const r = await virtMdev(['transform', '-'], { input: DEEP });
  t.is(r.exitCode, ExitCode.BAD_XML);
  t.is(r.stdout, '');
  t.is(String(r.stderr), `virt-mdev: <stdin>:5:${DEEP_COL}: <a>: elements nested more than 256 deep: libvirt (libxml2) refuses such documents too; refusing to read further\n`);
});

test('the hook, run as libvirt runs it, refuses the deep document at prepare at once and changes nothing', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const before = sysSnapshot(sim.dir);
  // a managed device the hook would create, and the nesting after it: 100,000 levels took 40 s or more
  // when the time grew with the square of the depth; now a fraction of a second (generous for load)
  const xml = domainXml('deep', uuid(), [{ uuid: uuid(), type: 'mtty-1' }]).replace('  </devices>', `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}\n  </devices>`);
  const t0 = Date.now();
  const r = await hook(sim.dir, 'deep', 'prepare', 'begin', xml);
  t.true(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
  t.is(r.exitCode, 1);
  const lines = String(r.stderr).trimEnd().split('\n');
  t.is(lines.length, 1, String(r.stderr));
  t.regex(lines[0]!, /^virt-mdev: .*:\d+:\d+: <a>: elements nested more than 256 deep/);
  t.deepEqual(sysSnapshot(sim.dir), before);
  t.deepEqual(ledger(sim.dir), []);
});
