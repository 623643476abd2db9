// The metric families, decided from a snapshot of the host by pure functions. Names follow
// Prometheus' conventions (virt_mdev_ prefix, _total for counters); series that describe a set of
// states (owned devices, definitions) are always all present, 0 when empty, so queries never miss one.
import type { StartMode } from '../definitions/types.js';
import type { Ledger, LedgerState } from '../ledger/types.js';
import type { MdevParent } from '../mdevbus/types.js';
import type { PoolStatus } from '../pools/index.js';
import type { MetricFamily, Sample } from './exposition.js';
import { HOOK_LOG_WINDOW_BYTES, type HookLogCounts } from './hook-log.js';
import type { DefinitionsView, MetricsSnapshot, Part } from './types.js';

const LEDGER_STATES: readonly LedgerState[] = ['creating', 'active', 'removing', 'abandoned'];
const START_MODES: readonly StartMode[] = ['auto', 'manual'];

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: 'gauge', samples };
}

export function capacityFamilies(parents: readonly MdevParent[]): MetricFamily[] {
  const types = parents.flatMap((p) => p.types.map((t) => ({ p, t, labels: { parent: p.name, type: t.id, device_api: t.deviceApi } })));
  return [
    gauge('virt_mdev_instances_available', "More mdevs of this type the parent can create now (the type's available_instances).",
      types.map((x) => ({ labels: x.labels, value: x.t.availableInstances }))),
    gauge('virt_mdev_instances_in_use', 'mdevs of this type that exist on this parent, whoever created them and whether or not a VM runs with them.',
      types.map((x) => ({ labels: x.labels, value: x.t.devices.length }))),
    gauge('virt_mdev_type_info', "The type's name as its driver reports it (value always 1).",
      types.filter((x) => x.t.name !== undefined).map((x) => ({ labels: { parent: x.p.name, type: x.t.id, name: x.t.name! }, value: 1 }))),
  ];
}

export function ownedFamilies(ledger: Ledger): MetricFamily[] {
  return [gauge('virt_mdev_owned_devices',
    "mdevs virt-mdev owns (its ledger) by state: creating and removing are seen only around a crash or a blocked remove, abandoned ones wait for 'virt-mdev gc'.",
    LEDGER_STATES.map((state) => ({ labels: { state }, value: ledger.devices.filter((e) => e.state === state).length })))];
}

export function poolFamilies(pools: readonly PoolStatus[], unreadable: number): MetricFamily[] {
  const each = (f: (p: PoolStatus) => number): Sample[] => pools.map((p) => ({ labels: { pool: p.name, type: p.type }, value: f(p) }));
  return [
    gauge('virt_mdev_pool_active', '1 while the pool is started (its members exist), else 0.', each((p) => (p.active ? 1 : 0))),
    gauge('virt_mdev_pool_size', 'Members the pool is defined to have.', each((p) => p.size)),
    gauge('virt_mdev_pool_free', 'Members that exist and are not lent to a domain (0 for an inactive pool).', each((p) => p.free)),
    gauge('virt_mdev_pool_lent', 'Members lent to domains.', each((p) => p.lent)),
    gauge('virt_mdev_pool_missing', 'Members of a started pool that do not exist (not created for lack of capacity, or lost); 0 for an inactive pool.',
      each((p) => (p.active ? p.missing : 0))),
    gauge('virt_mdev_pool_definitions_unreadable', 'Pool definition files (etc/virt-mdev/pools) that could not be read.', [{ labels: {}, value: unreadable }]),
  ];
}

export function definitionFamilies(v: DefinitionsView): MetricFamily[] {
  const samples: Sample[] = [];
  for (const start of START_MODES) {
    for (const active of [true, false]) {
      samples.push({ labels: { start, state: active ? 'active' : 'inactive' }, value: v.definitions.filter((d) => d.start === start && d.active === active).length });
    }
  }
  return [
    gauge('virt_mdev_definitions', "Persistent mdev definitions in mdevctl's store (etc/mdevctl.d) by start mode, active when the device exists.", samples),
    gauge('virt_mdev_definitions_unreadable', "Files in mdevctl's store that could not be read.", [{ labels: {}, value: v.unreadable }]),
  ];
}

function countSamples(m: Map<string, number>, second: string): Sample[] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, value]) => {
    const [operation, other] = k.split('\t') as [string, string];
    return { labels: { operation, [second]: other }, value };
  });
}

export function hookLogFamilies(c: HookLogCounts): MetricFamily[] {
  const mib = HOOK_LOG_WINDOW_BYTES / (1024 * 1024);
  const restart = `Counted from var/log/virt-mdev/hook.log: restarts at 0 when the log is rotated (and every ${mib} MiB of log, of which only the current part is read).`;
  const out: MetricFamily[] = [
    { name: 'virt_mdev_hook_outcomes_total', type: 'counter',
      help: `How hook calls ended, by operation and reason code ('ok', or the error's reason). ${restart}`,
      samples: countSamples(c.outcomes, 'reason') },
    { name: 'virt_mdev_hook_actions_total', type: 'counter',
      help: `What the hook and gc did to devices (create, adopt, remove, abandon, ...), by operation and action. ${restart}`,
      samples: countSamples(c.actions, 'action') },
    gauge('virt_mdev_hook_log_unparsed_lines', 'Lines of the counted part of the hook log that are not JSON log records.', [{ labels: {}, value: c.unparsed }]),
  ];
  const since = c.since !== undefined ? Date.parse(c.since) : NaN;
  if (Number.isFinite(since)) {
    out.push(gauge('virt_mdev_hook_log_since_timestamp_seconds', 'Time of the first hook log line the counters include (Unix time).', [{ labels: {}, value: since / 1000 }]));
  }
  return out;
}

function partFamilies<T>(p: Part<T>, build: (v: T) => MetricFamily[]): MetricFamily[] {
  return p.ok ? build(p.value) : [];
}

/** The snapshot's parts by the name the collector_success metric gives them. */
export function snapshotParts(s: MetricsSnapshot): [string, Part<unknown>][] {
  return [['devices', s.parents], ['ledger', s.ledger], ['pools', s.pools], ['definitions', s.definitions], ['hook_log', s.hookLog]];
}

/** Every family, then whether each part of the host could be read. */
export function metricFamilies(s: MetricsSnapshot): MetricFamily[] {
  const parts = snapshotParts(s);
  return [
    ...partFamilies(s.parents, capacityFamilies),
    ...partFamilies(s.ledger, ownedFamilies),
    ...partFamilies(s.pools, (v) => poolFamilies(v.pools, v.unreadable)),
    ...partFamilies(s.definitions, definitionFamilies),
    ...partFamilies(s.hookLog, hookLogFamilies),
    gauge('virt_mdev_metrics_collector_success', 'Whether this part of the host could be read (1) or not (0: the command printed why on stderr).',
      parts.map(([collector, p]) => ({ labels: { collector }, value: p.ok ? 1 : 0 }))),
  ];
}
