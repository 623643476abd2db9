// Definitions from mdevctl's store as node devices, merged the way libvirt 9.0's node-device driver
// merges `mdevctl list --defined` into what udev reports: a defined device that exists gains its
// definition's flags and attributes; one that does not exist is an inactive device of its own, named
// mdev_<uuid>_<parent>, under its parent's node device (or 'computer' when the parent is absent).
import { oneFilePerDevice } from '../definitions/lookup.js';
import type { MdevDefinition, StoreSnapshot } from '../definitions/types.js';
import { isParentNode, type MdevNode, type NodeDevice } from './model.js';
import { ROOT_NODEDEV, childNodedevName } from './names.js';

function copyAttrs(def: MdevDefinition): { name: string; value: string }[] {
  return def.attrs.map((a) => ({ name: a.name, value: a.value }));
}

/** The node device of a definition whose device does not exist. */
export function inactiveNode(def: MdevDefinition, parentNodedev: string | undefined): MdevNode {
  return {
    kind: 'mdev', name: childNodedevName(def.uuid, def.parent), parent: parentNodedev ?? ROOT_NODEDEV,
    uuid: def.uuid, typeId: def.type, parentAddr: def.parent, attrs: copyAttrs(def),
    active: false, persistent: true, autostart: def.start === 'auto',
    definition: { file: def.file, typeId: def.type, attrs: copyAttrs(def) },
  };
}

/** An existing device that also has a definition: persistent, its autostart and attributes from the definition. */
export function markDefined(node: MdevNode, def: MdevDefinition): void {
  node.persistent = true;
  node.autostart = def.start === 'auto';
  node.attrs = copyAttrs(def);
  node.definition = { file: def.file, typeId: def.type, attrs: copyAttrs(def) };
}

/** The host's node devices plus the store's definitions: active ones first, then the inactive ones. */
export function mergeDefinitions(devices: NodeDevice[], snap: StoreSnapshot): NodeDevice[] {
  const out = [...devices];
  const parentByAddr = new Map<string, string>();
  const mdevByName = new Map<string, MdevNode>();
  for (const d of devices) {
    if (isParentNode(d)) parentByAddr.set(d.address, d.name);
    if (d.kind === 'mdev') mdevByName.set(d.name, d);
  }
  for (const def of oneFilePerDevice(snap.definitions)) {
    const live = mdevByName.get(childNodedevName(def.uuid, def.parent));
    if (live) {
      markDefined(live, def);
      continue;
    }
    out.push(inactiveNode(def, parentByAddr.get(def.parent)));
  }
  return out;
}

/**
 * What `nodedev-dumpxml --inactive` shows (libvirt ≥ 10.1's flag): a defined device's type and
 * attributes as its definition has them; every other device as it is.
 */
export function definitionView(d: NodeDevice): NodeDevice {
  if (d.kind !== 'mdev' || !d.definition) return d;
  return { ...d, typeId: d.definition.typeId, attrs: d.definition.attrs.map((a) => ({ ...a })) };
}

/** nodedev-list's --inactive / --all: by default only active devices (every non-mdev is active). */
export function filterByState(devices: NodeDevice[], which: 'active' | 'inactive' | 'all'): NodeDevice[] {
  if (which === 'all') return devices;
  return devices.filter((d) => (d.kind === 'mdev' && !d.active) === (which === 'inactive'));
}
