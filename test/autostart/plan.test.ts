// planAutostart decides from one snapshot of the store and the bus, without touching the host.
import test from 'ava';
import { planAutostart, type BusSnapshot } from '../../src/autostart/plan.js';
import type { MdevDefinition } from '../../src/definitions/types.js';
import type { MdevParent } from '../../src/mdevbus/types.js';

const U = '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b';
const def = (parent: string, type: string, file = `/etc/mdevctl.d/${parent}/${U}`, uuid = U): MdevDefinition =>
  ({ uuid, parent, type, start: 'auto', attrs: [], extra: {}, file });
const parent = (name: string, types: string[]): MdevParent =>
  ({ name, sysfsPath: `/sys/devices/virtual/${name}/${name}`, types: types.map((id) => ({ id, parent: name, deviceApi: 'vfio-pci', availableInstances: 1, devices: [] })) });
const bus = (parents: MdevParent[], devices: BusSnapshot['devices'] = []): BusSnapshot => ({ parents, devices });

test('start, wait for the parent, wait for the type', (t) => {
  const b = bus([parent('mtty', ['mtty-1'])]);
  t.deepEqual(planAutostart([def('mtty', 'mtty-1')], b).map((a) => a.kind), ['start']);
  t.deepEqual(planAutostart([def('0000:00:02.0', 'i915-GVTg_V5_4')], b).map((a) => a.kind === 'wait' && a.for), ['parent']);
  t.deepEqual(planAutostart([def('mtty', 'mtty-2')], b).map((a) => a.kind === 'wait' && a.for), ['type']);
});

test('a device already there: active when parent and type match, a UUID conflict otherwise', (t) => {
  const dev = { uuid: U, parent: 'mtty', typeId: 'mtty-1', sysfsPath: `/sys/devices/virtual/mtty/mtty/${U}` };
  const b = bus([parent('mtty', ['mtty-1', 'mtty-2'])], [dev]);
  t.is(planAutostart([def('mtty', 'mtty-1')], b)[0].kind, 'already-active');
  const other = planAutostart([def('mtty', 'mtty-2')], b)[0];
  t.is(other.kind, 'fail');
  t.is(other.kind === 'fail' && other.exitCode, 6);
  // the kernel's uevent race right after a create: the type link is not there yet
  t.is(planAutostart([def('mtty', 'mtty-2')], bus(b.parents, [{ ...dev, typeId: '' }]))[0].kind, 'already-active');
});

test('one UUID under two parents is started under neither, unless one of them is already active', (t) => {
  const b = bus([parent('mtty', ['mtty-1']), parent('mdpy', ['mdpy-vga'])]);
  const two = [def('mdpy', 'mdpy-vga'), def('mtty', 'mtty-1')];
  const plan = planAutostart(two, b);
  t.deepEqual(plan.map((a) => a.kind), ['fail', 'fail']);
  t.regex(plan[0].kind === 'fail' ? plan[0].message : '', /defined more than once \(\/etc\/mdevctl\.d\/mdpy\/.*, \/etc\/mdevctl\.d\/mtty\/.*\); undefine all but one/);
  const active = bus(b.parents, [{ uuid: U, parent: 'mtty', typeId: 'mtty-1', sysfsPath: '' }]);
  t.deepEqual(planAutostart(two, active).map((a) => a.kind), ['fail', 'already-active']);
});

test('the same definition in a second file of one directory (an upper-case copy) starts once, from the canonical file', (t) => {
  const b = bus([parent('mtty', ['mtty-1'])]);
  const copy = def('mtty', 'mtty-1', `/etc/mdevctl.d/mtty/${U.toUpperCase()}`);
  const plan = planAutostart([copy, def('mtty', 'mtty-1')], b);
  t.deepEqual(plan.map((a) => [a.kind, a.def.file]), [['start', `/etc/mdevctl.d/mtty/${U}`], ['skip', copy.file]]);
});
