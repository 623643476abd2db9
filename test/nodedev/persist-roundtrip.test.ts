// On every simulated profile: nodedev-define → list --inactive → dumpxml/info of the inactive device →
// nodedev-start (attributes written in order) → nodedev-destroy (definition kept) → nodedev-undefine,
// with the store file checked against the bytes mdevctl 1.2 wrote for the same device.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { listNames, simHost, type Host } from './helpers.js';

const DATA = path.join(repoRoot, 'test/data/mdevctl-define');

interface Case { data: string; profile: string; parentNodedev: string; parentAddr: string; type: string; uuid: string; autostart: boolean; driver: string; attrFiles?: Record<string, string> }

const cases: Case[] = [
  { data: 'mtty-manual', profile: 'mtty', parentNodedev: 'mtty_mtty', parentAddr: 'mtty', type: 'mtty-2', uuid: '22222222-2222-3333-4444-555555555555', autostart: false, driver: 'mtty' },
  { data: 'gvt-g', profile: 'gvt-g', parentNodedev: 'pci_0000_00_02_0', parentAddr: '0000:00:02.0', type: 'i915-GVTg_V5_8', uuid: '83c32df7-d52e-4ec1-9668-1f3c7e4df107', autostart: false, driver: 'intel_vgpu_mdev' },
  { data: 'nvidia-auto', profile: 'nvidia', parentNodedev: 'pci_0000_41_00_0', parentAddr: '0000:41:00.0', type: 'nvidia-64', uuid: '4b20d080-1b54-4048-85b3-a6a62d165c01', autostart: true, driver: 'nvidia-vgpu-vfio' },
  { data: 'ccw', profile: 'ccw', parentNodedev: 'css_0_0_0052', parentAddr: '0.0.0052', type: 'vfio_ccw-io', uuid: '7e270a25-e163-4922-af60-757fc8ed48c6', autostart: false, driver: 'vfio_ccw_mdev' },
  // adapters 5 then 6, domain, control domain: the simulated matrix keeps the last value written to
  // each attribute, so a reversed order would leave assign_adapter at 5
  { data: 'ap-matrix', profile: 'ap', parentNodedev: 'ap_matrix', parentAddr: 'matrix', type: 'vfio_ap-passthrough', uuid: '783e6dbb-ea0e-411f-94e2-717eaad438bf', autostart: true, driver: 'vfio_ap_mdev',
    attrFiles: { assign_adapter: '6', assign_domain: '0xab', assign_control_domain: '0xab' } },
];

const ATTRS: Record<string, [string, string][]> = {
  'ap-matrix': [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '0xab'], ['assign_control_domain', '0xab']],
};

function inactiveXml(c: Case, name: string): string {
  return [
    '<device>',
    `  <name>${name}</name>`,
    `  <parent>${c.parentNodedev}</parent>`,
    "  <capability type='mdev'>",
    `    <type id='${c.type}'/>`,
    `    <uuid>${c.uuid}</uuid>`,
    `    <parent_addr>${c.parentAddr}</parent_addr>`,
    "    <iommuGroup number='0'/>",
    ...(ATTRS[c.data] ?? []).map(([n, v]) => `    <attr name='${n}' value='${v}'/>`),
    '  </capability>',
    '</device>',
    '',
  ].join('\n');
}

const info = (name: string, parent: string, active: boolean, persistent: boolean, autostart: boolean): string =>
  [['Name:', name], ['Parent:', parent], ['Active:', active], ['Persistent:', persistent], ['Autostart:', autostart]]
    .map(([k, v]) => `${String(k).padEnd(15)} ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : v}\n`).join('');

async function ok(h: Host, args: string[]): Promise<string> {
  const r = await h.run(args);
  if (r.exitCode !== 0) throw new Error(`${args.join(' ')}: exit ${r.exitCode}: ${String(r.stderr)}`);
  return String(r.stdout);
}

for (const c of cases) {
  test(`${c.profile}: define → list --inactive → start → destroy (definition kept) → undefine`, async (t) => {
    const h = await simHost(c.profile);
    t.teardown(h.cleanup);
    const name = `mdev_${c.uuid.replace(/-/g, '_')}_${c.parentAddr.replace(/[^A-Za-z0-9]/g, '_')}`;
    const file = path.join(h.dir, 'etc/mdevctl.d', c.parentAddr, c.uuid);
    const xmlFile = path.join(DATA, c.data, 'device.xml');
    t.is(await ok(h, ['nodedev-define', xmlFile]), `Node device '${name}' defined from '${xmlFile}'\n`);
    if (c.autostart) t.is(await ok(h, ['nodedev-autostart', name]), `Device ${name} marked as autostarted\n`);
    const bytes = fs.readFileSync(path.join(DATA, c.data, 'written'));
    t.deepEqual(fs.readFileSync(file), bytes);

    t.deepEqual(await listNames(h, '--inactive'), [name]);
    t.deepEqual(await listNames(h, '--all', '--cap', 'mdev'), [name]);
    t.is(await ok(h, ['nodedev-dumpxml', name]), inactiveXml(c, name));
    t.is(await ok(h, ['nodedev-info', c.uuid]), info(name, c.parentNodedev, false, true, c.autostart));

    t.is(await ok(h, ['nodedev-start', name]), `Device ${name} started\n`);
    const dev = path.join(h.dir, 'sys/bus/mdev/devices', c.uuid);
    t.is(path.basename(fs.readlinkSync(path.join(dev, 'mdev_type'))), c.type);
    for (const [attr, value] of Object.entries(c.attrFiles ?? {})) t.is(fs.readFileSync(path.join(dev, attr), 'utf8'), value, attr);
    t.deepEqual(await listNames(h, '--inactive'), []);
    t.deepEqual(await listNames(h, '--cap', 'mdev'), [name]);
    const live = await ok(h, ['nodedev-dumpxml', c.uuid]);
    t.regex(live, new RegExp(`<path>/sys/[^<]*/${c.uuid}</path>[\\s\\S]*<driver>\\n {4}<name>${c.driver}</name>`));
    for (const [n, v] of ATTRS[c.data] ?? []) t.true(live.includes(`<attr name='${n}' value='${v}'/>`), `active dumpxml shows the definition's ${n}`);
    t.is(await ok(h, ['nodedev-info', name]), info(name, c.parentNodedev, true, true, c.autostart));

    t.is(await ok(h, ['nodedev-destroy', name]), `Destroyed node device '${name}'\n`);
    t.false(fs.existsSync(dev));
    t.deepEqual(fs.readFileSync(file), bytes, 'destroy keeps the definition as it was');
    t.deepEqual(await listNames(h, '--inactive'), [name]);

    t.is(await ok(h, ['nodedev-undefine', name]), `Undefined node device '${name}'\n`);
    t.false(fs.existsSync(file));
    t.deepEqual(await listNames(h, '--all', '--cap', 'mdev'), []);
  });
}

test('samples/nodedev/define-*.xml define, start, destroy and undefine on a host with every profile', async (t) => {
  const dir = path.join(repoRoot, 'samples/nodedev');
  const samples = fs.readdirSync(dir).filter((f) => f.startsWith('define-') && f.endsWith('.xml')).sort();
  t.true(samples.length >= 2);
  const h = await simHost('mtty', 'gvt-g', 'nvidia', 'ccw', 'ap');
  t.teardown(h.cleanup);
  for (const s of samples) {
    const out = await ok(h, ['nodedev-define', path.join(dir, s)]);
    const name = /^Node device '(mdev_\w+)' defined from /.exec(out)?.[1];
    t.truthy(name, out);
    t.true((await listNames(h, '--inactive')).includes(name!), s);
    await ok(h, ['nodedev-start', name!]);
    await ok(h, ['nodedev-destroy', name!]);
    await ok(h, ['nodedev-undefine', name!]);
  }
  t.deepEqual(await listNames(h, '--all', '--cap', 'mdev'), []);
});
