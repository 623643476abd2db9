// virt-mdev gc and virt-mdev ledger: only ever devices the ledger says we created.
import test from 'ava';
import { cli, createByHand, devices, domainXml, hook, ledger, markRunning, markStopped, plainDomainXml, simHost, uuid } from '../hook/helpers.js';

test('ledger shows what we own as a table and as JSON', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  t.regex(String((await cli(sim.dir, ['ledger'])).stdout), /owns no devices/);
  const a = uuid(), dom = uuid();
  t.is((await hook(sim.dir, 'lg', 'prepare', 'begin', domainXml('lg', dom, [{ uuid: a, type: 'mtty-2' }]))).exitCode, 0);
  const table = String((await cli(sim.dir, ['ledger'])).stdout);
  t.regex(table, /^UUID +STATE +ORIGIN +PARENT +TYPE +DOMAIN +POOL +SINCE$/m);
  t.regex(table, new RegExp(`^${a} +active +created +mtty +mtty-2 +lg +- +\\d{4}-`, 'm'));
  const j = JSON.parse(String((await cli(sim.dir, ['--json', 'ledger'])).stdout)) as { version: number; devices: Array<Record<string, unknown>> };
  t.is(j.version, 1);
  t.like(j.devices[0], { uuid: a, parent: 'mtty', type: 'mtty-2', state: 'active', origin: 'created', domain: { name: 'lg', uuid: dom } });
});

test('gc never touches devices that are not in the ledger, and forgets entries whose device is gone', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const foreign = uuid(), mine = uuid(), gone = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', foreign);
  const x1 = domainXml('g1', uuid(), [{ uuid: mine, type: 'mtty-2' }]);
  const x2 = domainXml('g2', uuid(), [{ uuid: gone, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'g1', 'prepare', 'begin', x1)).exitCode, 0);
  t.is((await hook(sim.dir, 'g2', 'prepare', 'begin', x2)).exitCode, 0);
  // someone removes g2's device by hand
  const { openMdevBus } = await import('../../src/mdevbus/bus.js');
  const { HostRoot } = await import('../../src/host/root.js');
  await openMdevBus(new HostRoot(sim.dir)).remove(gone);
  const dry = await cli(sim.dir, ['gc', '--min-age', '0', '--dry-run']);
  t.is(dry.exitCode, 0);
  t.regex(String(dry.stdout), new RegExp(`would remove +${mine}`));
  t.is(ledger(sim.dir).length, 2, 'a dry run changes nothing');
  const g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0, String(g.stderr));
  t.regex(String(g.stdout), new RegExp(`removed +${mine}`));
  t.regex(String(g.stdout), new RegExp(`forget +${gone} .*no longer exists`));
  t.deepEqual(devices(sim.dir), [foreign]);
  t.deepEqual(ledger(sim.dir), []);
});

test('a release whose XML no longer names the mdev still removes what the ledger says the domain owns', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid(), dom = uuid();
  t.is((await hook(sim.dir, 'edited', 'prepare', 'begin', domainXml('edited', dom, [{ uuid: a, type: 'mtty-2' }]))).exitCode, 0);
  markRunning(sim.dir, 'edited', domainXml('edited', dom, [{ uuid: a, type: 'mtty-2' }]));
  markStopped(sim.dir, 'edited');
  const r = await hook(sim.dir, 'edited', 'release', 'end', plainDomainXml('edited', dom));
  t.is(r.exitCode, 0);
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
});

test('release and gc never remove a device that another running domain uses, and gc removes it once that domain stops', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid();
  const xa = domainXml('owner', uuid(), [{ uuid: a, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'owner', 'prepare', 'begin', xa)).exitCode, 0);
  // another domain assigned the same device unmanaged and is running with it
  const xb = domainXml('borrower', uuid(), [], [{ uuid: a }]);
  t.is((await hook(sim.dir, 'borrower', 'prepare', 'begin', xb)).exitCode, 0);
  markRunning(sim.dir, 'borrower', xb);
  t.is((await hook(sim.dir, 'owner', 'release', 'end', xa)).exitCode, 0);
  t.deepEqual(devices(sim.dir), [a]);
  let g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.regex(String(g.stdout), /keep .*in use by running domain 'borrower'/);
  t.deepEqual(devices(sim.dir), [a]);
  markStopped(sim.dir, 'borrower');
  g = await cli(sim.dir, ['gc', '--min-age', '0']);
  t.is(g.exitCode, 0);
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
});

test('release never removes a device that replaced ours under the same UUID (removed by hand, made again as another type)', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const a = uuid(), b = uuid();
  const xml = domainXml('swap', uuid(), [{ uuid: a, type: 'mtty-2' }, { uuid: b, type: 'mtty-2' }]);
  t.is((await hook(sim.dir, 'swap', 'prepare', 'begin', xml)).exitCode, 0);
  const { openMdevBus } = await import('../../src/mdevbus/bus.js');
  const { HostRoot } = await import('../../src/host/root.js');
  const bus = openMdevBus(new HostRoot(sim.dir));
  t.is(await bus.remove(a), 'removed');
  await createByHand(sim.dir, 'mtty', 'mtty-1', a);
  const r = await hook(sim.dir, 'swap', 'release', 'end', xml);
  t.is(r.exitCode, 0, String(r.stderr));
  t.deepEqual(devices(sim.dir), [a], 'the admin\'s mtty-1 survives; our own mtty-2 b is removed');
  t.is(bus.findDevice(a)?.typeId, 'mtty-1');
  t.deepEqual(ledger(sim.dir), []);
});
