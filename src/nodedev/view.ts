// The node devices of a host root as the read-only commands report them (nodedev-list,
// nodedev-dumpxml, the demo): the host's devices merged with mdevctl's store, filtered and shaped.
// Imported directly by those commands, which so load nothing of create, define or destroy.
import * as fs from 'node:fs';
import type { HostRoot } from '../host/root.js';
import { openMdevBus } from '../mdevbus/bus.js';
import type { MdevBus } from '../mdevbus/types.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { readStore } from '../definitions/store.js';
import type { StoreProblem } from '../definitions/types.js';
import { collectNodeDevices, sortByName, type CollectOptions } from './collect.js';
import { mergeDefinitions } from './defined.js';
import { KNOWN_CAPS, capabilitiesOf, lifecycleOf, type NodeDevice } from './model.js';
import { renderTree } from './tree.js';

/**
 * A root without sys/ is not a host: an empty or mistyped --root would otherwise look like a host
 * with no mdev hardware at all. HOST error, before anything is read or written.
 */
export function requireHostTree(root: HostRoot): void {
  let ok = false;
  try {
    ok = fs.statSync(root.p('sys')).isDirectory();
  } catch { /* reported below */ }
  if (!ok) {
    throw new VirtMdevError(ExitCode.HOST, 'no-sysfs',
      `host root '${root.dir}' has no sys/ directory: give / (the default), a host's root, or a simulated host made with 'virt-mdev simulate init DIR'`);
  }
}

/** Every node device of the host at root (opens the mdev bus for the root). */
export function nodeDevicesOf(root: HostRoot, bus?: MdevBus): NodeDevice[] {
  requireHostTree(root);
  return collectNodeDevices(root, bus ?? openMdevBus(root));
}

export interface NodedevView {
  /** the host's node devices, then the defined devices that do not exist */
  devices: NodeDevice[];
  /** store files that could not be read (each is named; the rest is still listed) */
  problems: StoreProblem[];
}

/** The node devices libvirt 9.0 would show: the host's devices merged with mdevctl's store. */
export function nodedevView(root: HostRoot, bus?: MdevBus, o: CollectOptions = {}): NodedevView {
  requireHostTree(root);
  const snap = readStore(root);
  return { devices: mergeDefinitions(collectNodeDevices(root, bus ?? openMdevBus(root), o), snap), problems: snap.problems };
}

/** `--cap a,b` as virsh takes it; unknown names are a BAD_VALUE. */
export function parseCaps(spec: string | undefined): string[] | undefined {
  if (spec === undefined) return undefined;
  const caps = spec.split(',').map((c) => c.trim()).filter((c) => c !== '');
  for (const c of caps) {
    if (!(KNOWN_CAPS as readonly string[]).includes(c)) {
      throw new VirtMdevError(ExitCode.BAD_VALUE, 'bad-cap', `invalid capability type '${printable(c)}': use one of ${KNOWN_CAPS.join(', ')}`);
    }
  }
  return caps;
}

export function filterByCaps(devices: NodeDevice[], caps: string[] | undefined): NodeDevice[] {
  if (!caps || caps.length === 0) return devices;
  return devices.filter((d) => capabilitiesOf(d).some((c) => caps.includes(c)));
}

/** `virsh nodedev-list` text: one name per line, sorted by name. */
export function renderNodedevList(root: HostRoot, caps?: string[]): string {
  return sortByName(filterByCaps(nodeDevicesOf(root), caps)).map((d) => d.name + '\n').join('');
}

/** `virsh nodedev-list --tree` text for the host at root: computer → bridges → parents → mdevs. */
export function renderNodedevTree(root: HostRoot): string {
  return renderTree(sortByName(nodeDevicesOf(root)));
}

export interface NodedevTreeJson { name: string; children: NodedevTreeJson[] }

export function nodedevTreeJson(devices: NodeDevice[]): NodedevTreeJson[] {
  const sorted = sortByName(devices);
  const names = new Set(sorted.map((d) => d.name));
  const build = (d: NodeDevice): NodedevTreeJson => ({
    name: d.name,
    children: sorted.filter((c) => c.parent === d.name).map(build),
  });
  return sorted.filter((d) => d.parent === undefined || !names.has(d.parent)).map(build);
}

/** The JSON form of one device: the model plus its virsh capability names and lifecycle flags. */
export function nodedevJson(d: NodeDevice): Record<string, unknown> {
  return { ...d, ...lifecycleOf(d), capabilities: capabilitiesOf(d) };
}
