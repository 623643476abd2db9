// Bad input: one clear line on stderr, its own exit code, and the host tree byte-for-byte unchanged.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotTree, tempDir, virtMdev } from '../helpers/cli.js';
import { mdevXml, simHost, type Host } from './helpers.js';

const EXISTING = '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b';

interface Case {
  title: string;
  /** the nodedev-create document, or a full argv for other commands */
  xml?: string;
  args?: (h: Host) => string[];
  code: number;
  stderr: RegExp;
}

const cases: Case[] = [
  { title: 'malformed XML', xml: "<device><parent>mtty_mtty</parent><capability type='mdev'><type id='mtty-2'/></capability>", code: 3,
    stderr: /^virt-mdev: \S+bad\.xml:1:\d+: malformed XML: unclosed tag: device$/ },
  { title: 'DOCTYPE with an entity declaration', xml: "<!DOCTYPE device [<!ENTITY p 'mtty_mtty'>]>\n<device><parent>&p;</parent></device>", code: 3,
    stderr: /^virt-mdev: \S+bad\.xml:1:\d+: DOCTYPE and entity declarations are not accepted/ },
  { title: 'unknown entity reference', xml: mdevXml('&parent;', 'mtty-2'), code: 3,
    stderr: /^virt-mdev: \S+bad\.xml:2:\d+: malformed XML: undefined entity/ },
  { title: 'wrong root element', xml: '<domain/>', code: 3, stderr: /the root element is <domain>, expected <device>/ },
  { title: 'no mdev capability', xml: '<device><parent>mtty_mtty</parent></device>', code: 3, stderr: /no <capability type='mdev'>/ },
  { title: 'unknown parent', xml: mdevXml('pci_0000_99_00_0', 'mtty-2'), code: 5,
    stderr: /^virt-mdev: \S+bad\.xml: <parent> names no mdev parent 'pci_0000_99_00_0': the parents on this host are mtty_mtty \(mtty\)$/ },
  { title: 'unknown type', xml: mdevXml('mtty_mtty', 'mtty-9'), code: 5,
    stderr: /^virt-mdev: \S+bad\.xml: parent mtty_mtty has no mdev type 'mtty-9': it offers mtty-1, mtty-2$/ },
  { title: "'../' in the type", xml: mdevXml('mtty_mtty', '../../../../etc'), code: 4,
    stderr: /^virt-mdev: \S+bad\.xml:4:\d+: mdev type '\.\.\/\.\.\/\.\.\/\.\.\/etc' is not a valid type id/ },
  { title: "'../' in the parent", xml: mdevXml('../mtty', 'mtty-2'), code: 4,
    stderr: /^virt-mdev: \S+bad\.xml:2:\d+: <parent> '\.\.\/mtty' is not a valid parent device name/ },
  { title: "'../' in an attribute name", xml: mdevXml('mtty_mtty', 'mtty-2', "    <attr name='../../remove' value='1'/>\n"), code: 4,
    stderr: /<attr name='\.\.\/\.\.\/remove'> is not a device attribute name/ },
  { title: 'bad UUID', xml: mdevXml('mtty_mtty', 'mtty-2', '    <uuid>0b2f5a3e-6c1d-4e8f-9a7b</uuid>\n'), code: 4,
    stderr: /^virt-mdev: \S+bad\.xml:5:\d+: <uuid> '0b2f5a3e-6c1d-4e8f-9a7b' is not a UUID/ },
  { title: 'duplicate UUID (other case)', xml: mdevXml('mtty', 'mtty-1', `    <uuid>${EXISTING.toUpperCase()}</uuid>\n`), code: 6,
    stderr: new RegExp(`^virt-mdev: UUID ${EXISTING} is already in use by mdev_${EXISTING.replace(/-/g, '_')}_mtty \\(parent mtty, type mtty-2\\)`) },
  { title: 'attribute the device does not have (created, then removed again)', xml: mdevXml('mtty_mtty', 'mtty-2', "    <attr name='assign_adapter' value='5'/>\n"), code: 5,
    stderr: /has no attribute 'assign_adapter' \(ENOENT\): the device was removed again/ },
  { title: 'nesting deeper than 256 levels',
    xml: `<device><parent>mtty_mtty</parent><name>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</name><capability type='mdev'><type id='mtty-2'/></capability></device>`, code: 3,
    stderr: /^virt-mdev: \S+bad\.xml:1:\d+: <a>: elements nested more than 256 deep: libvirt \(libxml2\) refuses such documents too; refusing to read further$/ },
  { title: 'oversized document', xml: `<device>${'<!-- padding -->'.repeat(70_000)}</device>`, code: 3, stderr: /larger than 1048576 bytes/ },
  { title: 'missing input file', args: (h) => ['--root', h.dir, 'nodedev-create', path.join(h.dir, '..', 'nope.xml')], code: 2, stderr: /cannot read '.*nope\.xml': no such file/ },
  { title: "'../' in a dumpxml name", args: (h) => ['--root', h.dir, 'nodedev-dumpxml', '../../etc/passwd'], code: 4, stderr: /is not a node device name or UUID/ },
  { title: 'unknown device for destroy', args: (h) => ['--root', h.dir, 'nodedev-destroy', 'mdev_11111111_2222_3333_4444_555555555555_mtty'], code: 5,
    stderr: /no node device 'mdev_11111111_2222_3333_4444_555555555555_mtty' on this host/ },
  { title: 'destroying a parent', args: (h) => ['--root', h.dir, 'nodedev-destroy', 'mtty_mtty'], code: 4, stderr: /is not a mediated device/ },
  { title: 'old-style name with the wrong parent', args: (h) => ['--root', h.dir, 'nodedev-destroy', `mdev_${EXISTING.replace(/-/g, '_')}_0000_00_02_0`], code: 5, stderr: /no node device/ },
  { title: 'unknown --cap', args: (h) => ['--root', h.dir, 'nodedev-list', '--cap', 'gpu'], code: 4, stderr: /invalid capability type 'gpu'/ },
  { title: '--tree with --cap', args: (h) => ['--root', h.dir, 'nodedev-list', '--tree', '--cap', 'mdev'], code: 2, stderr: /--tree and --cap are incompatible/ },
  { title: 'invalid XPath', args: (h) => ['--root', h.dir, 'nodedev-dumpxml', 'mtty_mtty', '--xpath', '//['], code: 4, stderr: /invalid XPath expression/ },
];

// One host for all cases (bad input must leave it unchanged, which each case checks); serial, so that
// the one case that creates and removes a device again never overlaps another case's snapshots.
let shared: Host | undefined;
test.before(async () => {
  shared = await simHost('mtty');
  const setup = await shared.run(['nodedev-create', shared.file('existing.xml', mdevXml('mtty_mtty', 'mtty-2', `    <uuid>${EXISTING}</uuid>\n`))]);
  if (setup.exitCode !== 0) throw new Error(String(setup.stderr));
});
test.after.always(() => shared?.cleanup());

for (const c of cases) {
  test.serial(`bad input: ${c.title}`, async (t) => {
    const h = shared!;
    const before = snapshotTree(h.dir);
    const args = c.args ? c.args(h) : ['--root', h.dir, 'nodedev-create', h.file('bad.xml', c.xml!)];
    const r = await virtMdev(args);
    t.is(r.exitCode, c.code, String(r.stderr));
    const lines = String(r.stderr).split('\n').filter((l) => l !== '');
    t.is(lines.length, 1, String(r.stderr));
    t.regex(lines[0]!, c.stderr);
    t.is(String(r.stdout), '');
    t.deepEqual(snapshotTree(h.dir), before);
  });
}

test('bad input: a missing host root is a HOST error', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const missing = path.join(tmp.dir, 'no-such-root');
  for (const args of [['nodedev-list'], ['nodedev-dumpxml', 'computer'], ['nodedev-destroy', EXISTING]]) {
    const r = await virtMdev(['--root', missing, ...args]);
    t.is(r.exitCode, 8, String(r.stderr));
    t.regex(String(r.stderr), /^virt-mdev: host root '.*no-such-root' does not exist/);
  }
  const f = path.join(tmp.dir, 'ok.xml');
  fs.writeFileSync(f, mdevXml('mtty_mtty', 'mtty-2'));
  const r = await virtMdev(['nodedev-create', f], { env: { VIRT_MDEV_ROOT: missing } });
  t.is(r.exitCode, 8);
  t.false(fs.existsSync(missing));

  // an existing directory that is no host (a mistyped --root) is a HOST error too, not an empty host
  const empty = path.join(tmp.dir, 'empty');
  fs.mkdirSync(empty);
  for (const args of [['nodedev-list'], ['nodedev-list', '--tree'], ['nodedev-create', f], ['nodedev-destroy', EXISTING]]) {
    const e = await virtMdev(['--root', empty, ...args]);
    t.is(e.exitCode, 8, String(e.stderr));
    t.regex(String(e.stderr), /^virt-mdev: host root '.*empty' has no sys\/ directory/);
  }
  t.deepEqual(fs.readdirSync(empty), []);
});

test('bad input: --json errors are one JSON line with the reason', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  const r = await h.run(['--json', 'nodedev-create', h.file('bad.xml', mdevXml('mtty_mtty', 'mtty-9'))]);
  t.is(r.exitCode, 5);
  const j = JSON.parse(String(r.stderr)) as { error: string; message: string };
  t.is(j.error, 'no-type');
  t.regex(j.message, /mtty-9/);
});
