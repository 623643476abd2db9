// The hook gets XML libvirt has accepted already. Rules that are libvirt's business (display='on'
// needs <graphics>, vfio-ap takes no guest address) must not make our prepare refuse a start: only
// what we need to create and check devices may fail it.
import test from 'ava';
import { devices, domainXml, hook, simHost, uuid } from './helpers.js';

test("prepare does not re-judge libvirt's own rules: display='on' without <graphics> still gets its device", async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const u = uuid();
  const xml = domainXml('vmd', uuid(), [{ uuid: u, type: 'mtty-2' }])
    .replace("model='vfio-pci'>", "model='vfio-pci' display='on'>");
  const r = await hook(sim.dir, 'vmd', 'prepare', 'begin', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), [u]);
  t.is((await hook(sim.dir, 'vmd', 'release', 'end', xml)).exitCode, 0);
  t.deepEqual(devices(sim.dir), []);
});

test('prepare still refuses what would make it touch a wrong path: a type id with ../', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const xml = domainXml('vmx', uuid(), [{ uuid: uuid(), type: '../mtty-2' }]);
  const r = await hook(sim.dir, 'vmx', 'prepare', 'begin', xml);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /mtty-2/);
  t.deepEqual(devices(sim.dir), []);
});
