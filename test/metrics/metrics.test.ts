// virt-mdev metrics on a simulated host with parents, devices the hook created, definitions and a
// started pool: every number matches the host, and promtool accepts the exposition.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { cli, domainXml, hook, hookLog, simHost, uuid } from '../hook/helpers.js';
import { parseExposition, promtoolCheck, value } from './helpers.js';

interface TypeJson { id: string; availableInstances: number }

async function availableOf(root: string, parent: string): Promise<Record<string, number>> {
  const r = await cli(root, ['--json', 'nodedev-dumpxml', parent]);
  return Object.fromEntries((JSON.parse(String(r.stdout)) as { types: TypeJson[] }).types.map((t) => [t.id, t.availableInstances]));
}

function ok(r: { exitCode?: number; stderr: unknown }, what: string): void {
  if (r.exitCode !== 0) throw new Error(`${what}: ${String(r.stderr)}`);
}

/** mtty + gvt-g; vm1 prepared with two managed mtty-2, vm2's prepare failed; two definitions; pool 'serial' started. */
async function busyHost() {
  const sim = await simHost(['mtty', 'gvt-g']);
  const files = tempDir('virt-mdev-metrics-files-');
  const a = uuid(), b = uuid();
  ok(await hook(sim.dir, 'vm1', 'prepare', 'begin', domainXml('vm1', uuid(), [{ uuid: a, type: 'mtty-2' }, { uuid: b, type: 'mtty-2' }])), 'prepare vm1');
  const failed = await hook(sim.dir, 'vm2', 'prepare', 'begin', domainXml('vm2', uuid(), [{ uuid: uuid(), type: 'i915-GVTg_V5_4', parent: 'mtty' }]));
  if (failed.exitCode === 0) throw new Error('prepare vm2 was meant to fail');
  const def = (name: string, type: string): string => {
    const f = path.join(files.dir, name);
    fs.writeFileSync(f, `<device>\n  <parent>mtty</parent>\n  <capability type='mdev'>\n    <type id='${type}'/>\n  </capability>\n</device>\n`);
    return f;
  };
  const auto = JSON.parse(String((await cli(sim.dir, ['--json', 'nodedev-define', def('auto.xml', 'mtty-1')])).stdout)) as { name: string };
  ok(await cli(sim.dir, ['nodedev-autostart', auto.name]), 'nodedev-autostart');
  ok(await cli(sim.dir, ['nodedev-start', auto.name]), 'nodedev-start');
  ok(await cli(sim.dir, ['nodedev-define', def('manual.xml', 'mtty-1')]), 'nodedev-define manual');
  ok(await cli(sim.dir, ['pool-define', path.join(repoRoot, 'samples/pools/mtty-any-parent.xml')]), 'pool-define');
  ok(await cli(sim.dir, ['pool-start', 'serial']), 'pool-start');
  return { sim, cleanup: () => { sim.cleanup(); files.cleanup(); } };
}

test('metrics: capacity, owned devices, pools, definitions and hook outcomes as the host has them; promtool accepts them', async (t) => {
  const { sim, cleanup } = await busyHost();
  t.teardown(cleanup);
  const r = await cli(sim.dir, ['metrics']);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stderr), '');
  const text = String(r.stdout);
  const s = parseExposition(text);

  // per parent and type: available_instances and the devices that exist, as nodedev-dumpxml and sysfs say
  const avail = { ...await availableOf(sim.dir, 'mtty_mtty'), ...await availableOf(sim.dir, 'pci_0000_00_02_0') };
  t.deepEqual(avail, { 'mtty-1': 11, 'mtty-2': 5, 'i915-GVTg_V5_4': 1, 'i915-GVTg_V5_8': 2 }, '24 ports: 13 in use (6 × mtty-2, 1 × mtty-1)');
  const at = (parent: string, type: string) => ({ parent, type, device_api: 'vfio-pci' });
  for (const [type, n] of Object.entries(avail)) {
    const parent = type.startsWith('mtty') ? 'mtty' : '0000:00:02.0';
    t.is(value(s, 'virt_mdev_instances_available', at(parent, type)), n, type);
    const inUse = fs.readdirSync(path.join(sim.dir, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type, 'devices')).length;
    t.is(value(s, 'virt_mdev_instances_in_use', at(parent, type)), inUse, type);
  }
  t.is(value(s, 'virt_mdev_instances_in_use', at('mtty', 'mtty-2')), 6, 'two for vm1, four pool members');
  t.is(value(s, 'virt_mdev_instances_in_use', at('mtty', 'mtty-1')), 1, 'the started definition');
  t.is(value(s, 'virt_mdev_type_info', { parent: 'mtty', type: 'mtty-2', name: 'Dual port serial' }), 1);

  // the ledger: vm1's two devices and the pool's four members
  t.is(value(s, 'virt_mdev_owned_devices', { state: 'active' }), 6);
  for (const state of ['creating', 'removing', 'abandoned']) t.is(value(s, 'virt_mdev_owned_devices', { state }), 0, state);

  t.is(value(s, 'virt_mdev_pool_active', { pool: 'serial', type: 'mtty-2' }), 1);
  t.is(value(s, 'virt_mdev_pool_size', { pool: 'serial' }), 4);
  t.is(value(s, 'virt_mdev_pool_free', { pool: 'serial' }), 4);
  t.is(value(s, 'virt_mdev_pool_lent', { pool: 'serial' }), 0);
  t.is(value(s, 'virt_mdev_pool_missing', { pool: 'serial' }), 0);

  t.is(value(s, 'virt_mdev_definitions', { start: 'auto', state: 'active' }), 1);
  t.is(value(s, 'virt_mdev_definitions', { start: 'manual', state: 'inactive' }), 1);
  t.is(value(s, 'virt_mdev_definitions', { start: 'auto', state: 'inactive' }), 0);
  t.is(value(s, 'virt_mdev_definitions', { start: 'manual', state: 'active' }), 0);

  // hook outcomes: the reason code is the one the hook logged
  const reason = hookLog(sim.dir).find((l) => l.action === 'prepare-failed')?.reason as string;
  t.truthy(reason);
  t.is(value(s, 'virt_mdev_hook_outcomes_total', { operation: 'prepare', reason: 'ok' }), 1);
  t.is(value(s, 'virt_mdev_hook_outcomes_total', { operation: 'prepare', reason }), 1);
  t.is(value(s, 'virt_mdev_hook_actions_total', { operation: 'prepare', action: 'create' }), 2);
  t.is(value(s, 'virt_mdev_hook_log_unparsed_lines'), 0);
  t.true((value(s, 'virt_mdev_hook_log_since_timestamp_seconds') ?? 0) > Date.now() / 1000 - 600);
  for (const collector of ['devices', 'ledger', 'pools', 'definitions', 'hook_log']) t.is(value(s, 'virt_mdev_metrics_collector_success', { collector }), 1);
  t.regex(text, /^# HELP virt_mdev_hook_outcomes_total .*restarts at 0 when the log is rotated/m);
  t.regex(text, /^# TYPE virt_mdev_hook_outcomes_total counter$/m);

  const check = await promtoolCheck(t, text);
  if (check) t.deepEqual(check, { exitCode: 0, output: '' }, 'promtool check metrics');
});

test('metrics --textfile: DIR/virt_mdev.prom replaced atomically; the default is node_exporter\'s directory under the root', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const out = tempDir('virt-mdev-textfile-');
  t.teardown(out.cleanup);
  const printed = String((await cli(sim.dir, ['metrics'])).stdout);
  const r = await cli(sim.dir, ['metrics', '--textfile', out.dir]);
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stdout), '', 'quiet: a timer runs it every minute');
  t.deepEqual(fs.readdirSync(out.dir), ['virt_mdev.prom'], 'no temporary file left behind');
  t.is(fs.readFileSync(path.join(out.dir, 'virt_mdev.prom'), 'utf8'), printed);
  t.is(fs.statSync(path.join(out.dir, 'virt_mdev.prom')).mode & 0o777, 0o644);

  // without a value: <root>/var/lib/prometheus/node-exporter, which node_exporter's package creates
  const missing = await cli(sim.dir, ['metrics', '--textfile']);
  t.is(missing.exitCode, 8);
  t.regex(String(missing.stderr), /^virt-mdev: node_exporter's textfile directory .*\/var\/lib\/prometheus\/node-exporter does not exist: install prometheus-node-exporter, or give .* with --textfile DIR\n$/);
  const dflt = path.join(sim.dir, 'var/lib/prometheus/node-exporter');
  fs.mkdirSync(dflt, { recursive: true });
  const again = await cli(sim.dir, ['metrics', '--textfile']);
  t.is(again.exitCode, 0, String(again.stderr));
  t.is(fs.readFileSync(path.join(dflt, 'virt_mdev.prom'), 'utf8'), printed);

  const notDir = await cli(sim.dir, ['metrics', '--textfile', path.join(out.dir, 'virt_mdev.prom')]);
  t.is(notDir.exitCode, 2);
  t.regex(String(notDir.stderr), /--textfile .*virt_mdev\.prom: not a directory/);
});

test('metrics: an unreadable ledger costs its metrics and the pools\', is named on stderr, exit 1; the rest is still written', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  fs.mkdirSync(path.join(sim.dir, 'run/virt-mdev'), { recursive: true });
  fs.writeFileSync(path.join(sim.dir, 'run/virt-mdev/ledger.json'), '{ torn');
  const r = await cli(sim.dir, ['metrics']);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /^virt-mdev: warning: metrics: ledger: ledger .*ledger\.json is unreadable/m);
  t.regex(String(r.stderr), /^virt-mdev: warning: metrics: pools: /m);
  const s = parseExposition(String(r.stdout));
  t.is(value(s, 'virt_mdev_metrics_collector_success', { collector: 'ledger' }), 0);
  t.is(value(s, 'virt_mdev_metrics_collector_success', { collector: 'devices' }), 1);
  t.is(value(s, 'virt_mdev_owned_devices', { state: 'active' }), undefined);
  t.is(value(s, 'virt_mdev_instances_available', { parent: 'mtty', type: 'mtty-1' }), 24);
});

test('metrics: a host root without sys/ is refused (exit 8)', async (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const r = await cli(d.dir, ['metrics']);
  t.is(r.exitCode, 8);
  t.regex(String(r.stderr), /has no sys\/ directory/);
});
