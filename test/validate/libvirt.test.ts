// libvirt's own schemas: the whole document is checked against domain.rng / nodedev.rng when they
// are installed. CI installs them (.ci/run: libvirt0); elsewhere these tests skip, but never in CI.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { tempDir, virtMdev } from '../helpers/cli.js';
import { domainWith, libvirtInstalled, libvirtSchemasDir, validDir, xmlFiles } from './corpus.js';

const need = (t: { log: (s: string) => void; fail: (s: string) => void }): boolean => {
  if (libvirtInstalled) return true;
  if (process.env.CI) t.fail(`${libvirtSchemasDir}/domain.rng is missing: install libvirt0`);
  else t.log(`skipped: ${libvirtSchemasDir}/domain.rng is not installed`);
  return false;
};

const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const readyFiles = (): string[] => xmlFiles(validDir).filter((f) => path.basename(f).startsWith('libvirt-'));
const authoringFiles = (): string[] => xmlFiles(validDir).filter((f) => !path.basename(f).startsWith('libvirt-'));

test('libvirt-ready samples pass libvirt domain.rng too, and xmllint agrees', async (t) => {
  if (!need(t)) return t.pass();
  const files = readyFiles();
  const r = await virtMdev(['validate', '--libvirt', ...files]);
  t.is(r.exitCode, 0, String(r.stdout));
  for (const f of files) t.true(String(r.stdout).includes(`${f}: valid (domain: domain-mdev.rng, libvirt domain.rng)`));
  for (const f of files) {
    const x = await execa('xmllint', ['--noout', '--nonet', '--relaxng', path.join(libvirtSchemasDir, 'domain.rng'), f], { reject: false });
    t.is(x.exitCode, 0, `${f}: ${x.stderr}`);
  }
});

test('a mistake only libvirt knows about (outside any mdev hostdev) fails with libvirt domain.rng named', async (t) => {
  if (!need(t)) return t.pass();
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'd.xml');
    fs.writeFileSync(file, domainWith(`    <hostdev mode='subsystem' type='pci' managed='maybe'>
      <source><address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source>
    </hostdev>`));
    const r = await virtMdev(['validate', file]);
    t.is(r.exitCode, 1, String(r.stdout));
    t.regex(String(r.stdout), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: libvirt domain\\.rng: `, 'm'));
    // virt-mdev's own schema has nothing to say about PCI passthrough
    const ours = await virtMdev(['validate', '--no-libvirt', file]);
    t.is(ours.exitCode, 0, String(ours.stdout));
  } finally {
    cleanup();
  }
});

test('authoring forms: skipped with a note by default, errors at each hostdev with --libvirt', async (t) => {
  if (!need(t)) return t.pass();
  const files = authoringFiles();
  const auto = await virtMdev(['validate', '--format', 'json', ...files]);
  t.is(auto.exitCode, 0, String(auto.stdout));
  const j = JSON.parse(String(auto.stdout)) as { files: Array<{ libvirt: string; notes: string[] }> };
  for (const f of j.files) {
    t.is(f.libvirt, 'skipped-authoring');
    t.regex(f.notes.join('\n'), /not yet libvirt-ready: .*run 'virt-mdev transform'/);
  }
  const strict = await virtMdev(['validate', '--libvirt', path.join(validDir, 'rfc-mdev.xml')]);
  t.is(strict.exitCode, 1);
  const lines = String(strict.stdout).trim().split('\n');
  t.deepEqual(lines.map((l) => l.split(': ')[0]!.replace(/^.*rfc-mdev\.xml:/, '')), ['7:5', '13:5']);
  for (const l of lines) t.regex(l, /not yet libvirt-ready: this <hostdev> uses an authoring form .*run 'virt-mdev transform'/);
  const off = await virtMdev(['validate', '--no-libvirt', '--libvirt', path.join(validDir, 'rfc-mdev.xml')]);
  t.is(off.exitCode, 1, 'the last of --libvirt/--no-libvirt wins');
});

test('--libvirt-schemas DIR: includes resolve from that directory', async (t) => {
  if (!need(t)) return t.pass();
  const { dir, cleanup } = tempDir();
  try {
    for (const f of fs.readdirSync(libvirtSchemasDir)) fs.copyFileSync(path.join(libvirtSchemasDir, f), path.join(dir, f));
    const file = path.join(validDir, 'libvirt-dumpxml.xml');
    const r = await virtMdev(['validate', '--format', 'json', '--libvirt-schemas', dir, file]);
    t.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
    t.is((JSON.parse(String(r.stdout)) as { files: Array<{ libvirt: string }> }).files[0]!.libvirt, 'checked');
    // a broken include is a usage error, not an invalid document
    fs.rmSync(path.join(dir, 'basictypes.rng'));
    const broken = await virtMdev(['validate', '--libvirt-schemas', dir, file]);
    t.is(broken.exitCode, 2);
    t.regex(String(broken.stderr), /^virt-mdev: cannot compile schema .*domain\.rng/m);
  } finally {
    cleanup();
  }
});

test('node device XML is checked against our nodedev.rng and libvirt nodedev.rng', async (t) => {
  if (!need(t)) return t.pass();
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'nd.xml');
    fs.writeFileSync(file, `<device>
  <name>mdev_${U.replace(/-/g, '_')}_0000_00_02_0</name>
  <parent>pci_0000_00_02_0</parent>
  <capability type='mdev'>
    <type id='i915-GVTg_V5_4'/>
    <uuid>${U}</uuid>
    <iommuGroup number='0'/>
  </capability>
</device>
`);
    const r = await virtMdev(['validate', '--format', 'json', file]);
    const j = JSON.parse(String(r.stdout)) as { files: Array<{ kind: string; libvirt: string; schemas: string[] }> };
    t.is(r.exitCode, 0, String(r.stdout));
    t.is(j.files[0]!.kind, 'nodedev');
    t.is(j.files[0]!.libvirt, 'checked');
    t.true(j.files[0]!.schemas.includes('libvirt nodedev.rng'));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("number='0'", "number='zero'"));
    const bad = await virtMdev(['validate', file]);
    t.is(bad.exitCode, 1);
    t.regex(String(bad.stdout), /nd\.xml:7:5: (libvirt )?nodedev\.rng: /);
  } finally {
    cleanup();
  }
});
