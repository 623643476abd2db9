// Every node-device document we print, on every profile, against libvirt 9.0's own nodedev.rng
// (Debian's libvirt0 ships it; .ci/run installs it) and against our schemas/nodedev.rng.
// libvirt 9.0 prints a class-device parent (mtty) with an mdev_types capability nested in another
// one, and its own schema has no rule for that; we print what libvirt prints and pin down that this
// one construct is the only difference.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RelaxNGValidator, XmlDocument } from 'libxml2-wasm';
import { repoRoot } from '../helpers/cli.js';
import { listNames, mdevXml, simHost } from './helpers.js';

const LIBVIRT_RNG = '/usr/share/libvirt/schemas/nodedev.rng';
const OUR_RNG = path.join(repoRoot, 'schemas/nodedev.rng');

async function haveXmllint(): Promise<boolean> {
  const r = await execa('xmllint', ['--version'], { reject: false });
  return r.exitCode === 0;
}

/** libvirt's schema via xmllint (it includes basictypes.rng from its own directory) */
async function libvirtValidate(file: string): Promise<{ ok: boolean; stderr: string }> {
  const r = await execa('xmllint', ['--noout', '--relaxng', LIBVIRT_RNG, file], { reject: false });
  return { ok: r.exitCode === 0, stderr: String(r.stderr) };
}

function ourValidator(): { validate: (xml: string) => string | undefined; dispose: () => void } {
  const schemaDoc = XmlDocument.fromString(fs.readFileSync(OUR_RNG, 'utf8'));
  const v = RelaxNGValidator.fromDoc(schemaDoc);
  return {
    validate: (xml) => {
      const doc = XmlDocument.fromString(xml);
      try {
        v.validate(doc);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      } finally {
        doc.dispose();
      }
    },
    dispose: () => { v.dispose(); schemaDoc.dispose(); },
  };
}

const cleanups: (() => void)[] = [];
test.after.always(() => { for (const c of cleanups) c(); });
let everything: Promise<{ dir: string; docs: Map<string, string> }> | undefined;

/** A host with every profile and one mdev on every parent, all dumped by the CLI (built once per file). */
function dumpEverything(): Promise<{ dir: string; docs: Map<string, string> }> {
  everything ??= buildEverything();
  return everything;
}

async function buildEverything(): Promise<{ dir: string; docs: Map<string, string> }> {
  const h = await simHost('mtty', 'gvt-g', 'nvidia', 'ccw', 'ap');
  cleanups.push(h.cleanup);
  const one: [string, string, string][] = [
    ['mtty_mtty', 'mtty-2', ''],
    ['pci_0000_00_02_0', 'i915-GVTg_V5_4', ''],
    ['pci_0000_41_00_0', 'nvidia-63', ''],
    ['pci_0000_42_00_0', 'nvidia-65', ''],
    ['css_0_0_0052', 'vfio_ccw-io', ''],
    ['ap_matrix', 'vfio_ap-passthrough', "    <attr name='assign_adapter' value='5'/>\n"],
  ];
  for (const [parent, type, extra] of one) {
    const r = await h.run(['nodedev-create', h.file(`${parent}.xml`, mdevXml(parent, type, extra))]);
    if (r.exitCode !== 0) throw new Error(String(r.stderr));
  }
  const names = await listNames(h);
  const docs = new Map<string, string>();
  const dumps = await Promise.all(names.map((n) => h.run(['nodedev-dumpxml', n])));
  names.forEach((n, i) => docs.set(n, String(dumps[i]!.stdout)));
  const dir = path.dirname(h.file('x', ''));
  return { dir, docs };
}

const libvirtAvailable = fs.existsSync(LIBVIRT_RNG);
// missing libvirt schema: a failure in CI (which installs it), a skip on a developer machine
const libvirtTest = libvirtAvailable || process.env.CI ? test : test.skip;

libvirtTest('every nodedev document validates against libvirt 9.0 nodedev.rng (the class-parent nesting aside)', async (t) => {
  t.true(fs.existsSync(LIBVIRT_RNG), `${LIBVIRT_RNG} is missing: install Debian's libvirt0`);
  t.true(await haveXmllint(), 'xmllint is missing: install libxml2-utils');
  const { dir, docs } = await dumpEverything();
  t.is(docs.size, 15); // computer, 2 PCI bridges, 6 parents, 6 mdevs
  const kinds = new Set<string>();
  for (const [name, xml] of docs) {
    const file = path.join(dir, `${name}.dump.xml`);
    fs.writeFileSync(file, xml);
    const res = await libvirtValidate(file);
    if (name === 'mtty_mtty') {
      t.false(res.ok, 'libvirt 9.0 nodedev.rng has no rule for a class parent; if it now validates, the schema changed');
      // the same document without the nested capability is valid: that construct is the only difference
      const stripped = xml.replace(/ {2}<capability type='mdev_types'>\n {4}<capability type='mdev_types'>[\s\S]*? {4}<\/capability>\n {2}<\/capability>\n/, '');
      t.not(stripped, xml);
      fs.writeFileSync(file, stripped);
      const again = await libvirtValidate(file);
      t.true(again.ok, again.stderr);
    } else {
      t.true(res.ok, `${name}: ${res.stderr}\n${xml}`);
    }
    kinds.add(/<capability type='(\w+)'>/.exec(xml)?.[1] ?? 'none');
  }
  t.deepEqual([...kinds].sort(), ['ap_matrix', 'css', 'mdev', 'mdev_types', 'none', 'pci']);
});

test('every nodedev document validates against our schemas/nodedev.rng', async (t) => {
  const { docs } = await dumpEverything();
  const v = ourValidator();
  t.teardown(v.dispose);
  for (const [name, xml] of docs) t.is(v.validate(xml), undefined, `${name}\n${xml}`);
});

test('samples/nodedev documents validate against both schemas and create devices', async (t) => {
  const dir = path.join(repoRoot, 'samples/nodedev');
  const samples = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
  t.true(samples.length >= 5);
  const v = ourValidator();
  t.teardown(v.dispose);
  const h = await simHost('mtty', 'gvt-g', 'nvidia', 'ccw', 'ap');
  t.teardown(h.cleanup);
  for (const s of samples) {
    const file = path.join(dir, s);
    t.is(v.validate(fs.readFileSync(file, 'utf8')), undefined, s);
    if (libvirtAvailable && await haveXmllint()) {
      const res = await libvirtValidate(file);
      t.true(res.ok, `${s}: ${res.stderr}`);
    }
    const r = await h.run(['nodedev-create', file]);
    t.is(r.exitCode, 0, `${s}: ${String(r.stderr)}`);
  }
  t.is((await listNames(h, '--cap', 'mdev')).length, samples.length);
});

test('our schema rejects what nodedev-create rejects: path-like type ids and attribute names, bad UUIDs', (t) => {
  const v = ourValidator();
  t.teardown(v.dispose);
  t.is(v.validate(mdevXml('mtty_mtty', 'mtty-2')), undefined);
  t.not(v.validate(mdevXml('mtty_mtty', '../mtty-2')), undefined);
  t.not(v.validate(mdevXml('../x', 'mtty-2')), undefined);
  t.not(v.validate(mdevXml('mtty_mtty', 'mtty-2', '    <uuid>1234</uuid>\n')), undefined);
  t.not(v.validate(mdevXml('mtty_mtty', 'mtty-2', "    <attr name='/etc/passwd' value='x'/>\n")), undefined);
  t.not(v.validate('<domain/>'), undefined);
});
