// Drawing from a pool at prepare and returning at release, run as libvirt runs the hook: the domain's
// UUID replaces a free member on its parent, the member comes back when the domain lets go, and
// every failure is one line, all or nothing.
import test from 'ava';
import { HostRoot } from '../../src/host/root.js';
import { holdSimDevice, unholdSimDevice } from '../../src/simhost/kernel.js';
import { cli, createByHand, deviceType, devices, domainXml, hook, hookLog, ledger, markRunning, markStopped, simHost, sysSnapshot, uuid, type ManagedSpec } from './helpers.js';
import { hostState, members, poolInfo, startedPool } from './pool-helpers.js';

test('a pool of 4: four domains draw, the fifth fails with the pool message, a release returns a member the fifth then gets', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'serial', 'mtty-2', 4);
  const started = hostState(sim.dir);
  const doms = Array.from({ length: 5 }, (_, i) => {
    const dev = uuid();
    return { name: `vm${i + 1}`, dev, xml: domainXml(`vm${i + 1}`, uuid(), [{ uuid: dev, pool: 'serial' }]) };
  });
  for (const d of doms.slice(0, 4)) {
    const r = await hook(sim.dir, d.name, 'prepare', 'begin', d.xml);
    t.is(r.exitCode, 0, String(r.stderr));
    t.is(deviceType(sim.dir, d.dev), 'mtty-2', 'the pool gives its type');
  }
  t.deepEqual(devices(sim.dir), doms.slice(0, 4).map((d) => d.dev).sort(), 'every member was replaced by a domain\'s device');
  const fifth = await hook(sim.dir, 'vm5', 'prepare', 'begin', doms[4].xml);
  t.is(fifth.exitCode, 1);
  t.is(String(fifth.stderr), `virt-mdev: domain 'vm5' mdev hostdev #1 (${doms[4].dev}): pool serial: 0 of 4 free (lent to vm1, vm2, vm3, vm4); stop a domain that uses the pool or grow it (virt-mdev pool-resize serial N)\n`);
  let info = await poolInfo(sim.dir, 'serial');
  t.like(info, { free: 0, lent: 4, lentTo: ['vm1', 'vm2', 'vm3', 'vm4'] });
  t.deepEqual(ledger(sim.dir).filter((e) => e.domain).map((e) => [e.uuid, e.domain?.name, e.state]).sort(),
    doms.slice(0, 4).map((d) => [d.dev, d.name, 'active']).sort());

  markRunning(sim.dir, 'vm1', doms[0].xml);
  markStopped(sim.dir, 'vm1');
  const rel = await hook(sim.dir, 'vm1', 'release', 'end', doms[0].xml);
  t.is(rel.exitCode, 0, String(rel.stderr));
  t.false(devices(sim.dir).includes(doms[0].dev));
  t.true(devices(sim.dir).includes(pool[0]), 'member 0, which vm1 had drawn, exists again');
  info = await poolInfo(sim.dir, 'serial');
  t.like(info, { free: 1, lent: 3 });
  t.is((await hook(sim.dir, 'vm5', 'prepare', 'begin', doms[4].xml)).exitCode, 0);
  for (const d of doms.slice(1)) t.is((await hook(sim.dir, d.name, 'release', 'end', d.xml)).exitCode, 0);
  t.deepEqual(hostState(sim.dir), started, 'all four members are back, as pool-start made them');
  t.like(await poolInfo(sim.dir, 'serial'), { free: 4, lent: 0, missing: 0 });
  // release is idempotent
  t.is((await hook(sim.dir, 'vm2', 'release', 'end', doms[1].xml)).exitCode, 0);
  t.deepEqual(hostState(sim.dir), started);
});

test('the request\'s type must be the pool\'s; an undefined, stopped or misfitting pool is refused with one line and nothing changes', async (t) => {
  const sim = await simHost(['mtty', 'ccw']);
  t.teardown(sim.cleanup);
  await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  await startedPool(sim.dir, 'channel', 'vfio_ccw-io', 1);
  const file = `${sim.dir}/idle.pool.xml`;
  (await import('node:fs')).writeFileSync(file, "<mdevpool>\n  <name>idle</name>\n  <type id='mtty-1'/>\n  <size>1</size>\n</mdevpool>\n");
  t.is((await cli(sim.dir, ['pool-define', file])).exitCode, 0);
  const before = sysSnapshot(sim.dir);
  const cases: Array<[string, ManagedSpec[], RegExp]> = [
    ['typed', [{ uuid: uuid(), pool: 'serial', type: 'mtty-1' }], /asks for type mtty-1 from pool serial, whose members are mtty-2; drop type='mtty-1'/],
    ['nopool', [{ uuid: uuid(), pool: 'nosuch' }], /asks for a device from pool nosuch, which is not defined on this host; define and start it/],
    ['stopped', [{ uuid: uuid(), pool: 'idle' }], /pool idle is not started on this host; start it \(virt-mdev pool-start idle\)/],
    ['api', [{ uuid: uuid(), pool: 'channel' }], /mdev type vfio_ccw-io on 0\.0\.0052 has device_api 'vfio-ccw' but the hostdev has model='vfio-pci'/],
    ['member', [{ uuid: members('serial', 2)[1], type: 'mtty-2' }], /mdev \S+ is member 1 of pool serial: ask for a device from the pool \(pool='serial'\)/],
  ];
  for (const [name, managed, re] of cases) {
    const r = await hook(sim.dir, name, 'prepare', 'begin', domainXml(name, uuid(), [{ uuid: uuid(), type: 'mtty-1' }, ...managed]));
    t.is(r.exitCode, 1, name);
    t.is(String(r.stderr).split('\n').length, 2, `${name}: one line`);
    t.regex(String(r.stderr), re, name);
    t.deepEqual(sysSnapshot(sim.dir), before, `${name}: nothing changed`);
  }
  const ok = await hook(sim.dir, 'typed-ok', 'prepare', 'begin', domainXml('typed-ok', uuid(), [{ uuid: uuid(), pool: 'serial', type: 'mtty-2' }]));
  t.is(ok.exitCode, 0, String(ok.stderr));
});

test('all or nothing: when a later hostdev fails at the kernel, the draws are undone and the members made again', async (t) => {
  // a foreign device whose removal waits for its last user is off the bus but still known to the mdev
  // core: the plan sees its UUID free, the kernel refuses the create (EEXIST) after the draw was made
  const sim = await simHost(['nvidia']);
  const root = new HostRoot(sim.dir);
  const stuck = uuid();
  await createByHand(sim.dir, '0000:41:00.0', 'nvidia-63', stuck);
  await holdSimDevice(root, stuck);
  t.teardown(async () => {
    await unholdSimDevice(root, stuck);
    sim.cleanup();
  });
  t.is((await cli(sim.dir, ['nodedev-destroy', '--force', '--timeout', '0.5', stuck])).exitCode, 9);
  await startedPool(sim.dir, 'vdi', 'nvidia-63', 2, ['0000:42:00.0']);
  const before = hostState(sim.dir);
  const drawn = uuid(), first = uuid();
  const xml = domainXml('mixed', uuid(), [
    { uuid: drawn, pool: 'vdi' }, { uuid: first, type: 'nvidia-63', parent: '0000:41:00.0' }, { uuid: stuck, type: 'nvidia-63', parent: '0000:41:00.0' },
  ]);
  const r = await hook(sim.dir, 'mixed', 'prepare', 'begin', xml);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /hostdev #3 .*cannot create it as nvidia-63 on 0000:41:00\.0/);
  t.deepEqual(hostState(sim.dir), before, 'the drawn member is back, the created device gone');
  t.like(await poolInfo(sim.dir, 'vdi'), { free: 2, lent: 0 });
  t.deepEqual(ledger(sim.dir).filter((e) => e.domain), []);
});

test('two draws in one domain, and a prepare called again for a domain that drew already reuses its devices', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  await startedPool(sim.dir, 'serial', 'mtty-2', 3);
  const a = uuid(), b = uuid();
  const xml = domainXml('twice', uuid(), [{ uuid: a, pool: 'serial' }, { uuid: b, pool: 'serial' }]);
  t.is((await hook(sim.dir, 'twice', 'prepare', 'begin', xml)).exitCode, 0);
  t.is((await hook(sim.dir, 'twice', 'prepare', 'begin', xml)).exitCode, 0);
  t.like(await poolInfo(sim.dir, 'serial'), { free: 1, lent: 2 });
  const three = domainXml('three', uuid(), [{ uuid: uuid(), pool: 'serial' }, { uuid: uuid(), pool: 'serial' }]);
  const r = await hook(sim.dir, 'three', 'prepare', 'begin', three);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /hostdev #2 .*pool serial: 0 of 3 free \(lent to twice; 1 drawn for this domain's other hostdevs\)/);
  t.like(await poolInfo(sim.dir, 'serial'), { free: 1, lent: 2 }, 'the first draw of the failed prepare was never made');
  t.is((await hook(sim.dir, 'twice', 'release', 'end', xml)).exitCode, 0);
  t.like(await poolInfo(sim.dir, 'serial'), { free: 3, lent: 0 });
});

test('an unmanaged hostdev naming a member holds it while its domain runs; release frees it', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  const holder = domainXml('holder', uuid(), [], [{ uuid: pool[0] }]);
  t.is((await hook(sim.dir, 'holder', 'prepare', 'begin', holder)).exitCode, 0);
  markRunning(sim.dir, 'holder', holder);
  t.like(await poolInfo(sim.dir, 'serial'), { free: 1, lent: 1, lentTo: ['holder'] });
  const d1 = domainXml('d1', uuid(), [{ uuid: uuid(), pool: 'serial' }]);
  const d2 = domainXml('d2', uuid(), [{ uuid: uuid(), pool: 'serial' }]);
  t.is((await hook(sim.dir, 'd1', 'prepare', 'begin', d1)).exitCode, 0);
  const r = await hook(sim.dir, 'd2', 'prepare', 'begin', d2);
  t.is(r.exitCode, 1);
  t.regex(String(r.stderr), /pool serial: 0 of 2 free \(lent to d1, holder\)/);
  t.true(devices(sim.dir).includes(pool[0]), 'the held member was not drawn');
  markStopped(sim.dir, 'holder');
  t.is((await hook(sim.dir, 'holder', 'release', 'end', holder)).exitCode, 0);
  t.true(devices(sim.dir).includes(pool[0]), 'release never removes a member an unmanaged hostdev used');
  t.is((await hook(sim.dir, 'd2', 'prepare', 'begin', d2)).exitCode, 0);
});

test('check says which member a domain would draw, and prepare draws it', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  const dev = uuid();
  const xml = domainXml('chk', uuid(), [{ uuid: dev, pool: 'serial' }]);
  const fs = await import('node:fs');
  fs.writeFileSync(`${sim.dir}/chk.xml`, xml);
  const c = await cli(sim.dir, ['--json', 'check', `${sim.dir}/chk.xml`]);
  t.is(c.exitCode, 0, String(c.stderr));
  const report = JSON.parse(String(c.stdout)) as { hostdevs: Array<{ action: string; pool: string; member: number; parent: string }> };
  t.like(report.hostdevs[0], { action: 'draw', pool: 'serial', member: 0, parent: 'mtty' });
  t.is((await hook(sim.dir, 'chk', 'prepare', 'begin', xml)).exitCode, 0);
  t.false(devices(sim.dir).includes(pool[0]));
  t.true(devices(sim.dir).includes(dev));
  t.like(ledger(sim.dir).find((e) => e.uuid === dev), { parent: 'mtty', domain: { name: 'chk' } });
  // a second domain, once the pool is empty: check gives the hook's line and the capacity exit code
  const other = domainXml('chk2', uuid(), [{ uuid: uuid(), pool: 'serial' }, { uuid: uuid(), pool: 'serial' }]);
  fs.writeFileSync(`${sim.dir}/chk2.xml`, other);
  const c2 = await cli(sim.dir, ['check', `${sim.dir}/chk2.xml`]);
  t.is(c2.exitCode, 7);
  const h2 = await hook(sim.dir, 'chk2', 'prepare', 'begin', other);
  t.is(h2.exitCode, 1);
  t.is(String(c2.stderr), String(h2.stderr));
});

// nodedev-create would make a member, nodedev-define would let mdevctl or autostart make it: both refuse
for (const verb of ['nodedev-create', 'nodedev-define']) {
  test(`${verb} cannot take a member's UUID, lent or free, nor a stopped pool's`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const pool = await startedPool(sim.dir, 'serial', 'mtty-2', 2);
    t.is((await hook(sim.dir, 'lender', 'prepare', 'begin', domainXml('lender', uuid(), [{ uuid: uuid(), pool: 'serial' }]))).exitCode, 0);
    const fs = await import('node:fs');
    fs.writeFileSync(`${sim.dir}/idle.pool.xml`, "<mdevpool>\n  <name>idle</name>\n  <type id='mtty-1'/>\n  <size>1</size>\n</mdevpool>\n");
    t.is((await cli(sim.dir, ['pool-define', `${sim.dir}/idle.pool.xml`])).exitCode, 0);
    const before = sysSnapshot(sim.dir);
    for (const [u, type] of [[pool[0]!, 'mtty-2'], [pool[1]!, 'mtty-2'], [members('idle', 1)[0]!, 'mtty-1']] as const) {
      const f = `${sim.dir}/nd.xml`;
      fs.writeFileSync(f, `<device>\n  <parent>mtty</parent>\n  <capability type='mdev'>\n    <type id='${type}'/>\n    <uuid>${u}</uuid>\n  </capability>\n</device>\n`);
      const r = await cli(sim.dir, [verb, f]);
      t.is(r.exitCode, 6, String(r.stderr));
      t.regex(String(r.stderr), new RegExp(`UUID ${u} is member \\d of pool (serial|idle), which only the pool creates`));
    }
    t.deepEqual(sysSnapshot(sim.dir), before);
    t.false(fs.existsSync(`${sim.dir}/etc/mdevctl.d/mtty`), 'no definition was written');
  });
}

test('migrate and restore do not take a drawn device\'s UUID as taken for its own domain', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  const dev = uuid(), dom = uuid();
  const xml = domainXml('saved', dom, [{ uuid: dev, pool: 'serial' }]);
  t.is((await hook(sim.dir, 'saved', 'prepare', 'begin', xml)).exitCode, 0);
  for (const op of ['restore', 'migrate']) {
    const r = await hook(sim.dir, 'saved', op, 'begin', xml);
    t.is(r.exitCode, 0, String(r.stderr));
    t.is(r.stdout, '', `${op}: the XML is kept`);
  }
  // another domain arriving with that UUID gets a fresh one
  const r = await hook(sim.dir, 'intruder', 'migrate', 'begin', domainXml('intruder', uuid(), [{ uuid: dev, pool: 'serial' }]));
  t.is(r.exitCode, 0);
  t.notRegex(String(r.stdout), new RegExp(dev));
  t.regex(String(r.stdout), /<address uuid='[0-9a-f-]{36}'\/>/);
});

test('a free member something holds open is skipped after a short bound: the next member is drawn, gc makes the held one again later', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const pool = await startedPool(sim.dir, 'serial', 'mtty-2', 2);
  t.is((await cli(sim.dir, ['simulate', 'hold', pool[0]])).exitCode, 0);
  const dev = uuid();
  const xml = domainXml('skipper', uuid(), [{ uuid: dev, pool: 'serial' }]);
  const r = await hook(sim.dir, 'skipper', 'prepare', 'begin', xml, { VIRT_MDEV_REMOVE_TIMEOUT: '1' });
  t.is(r.exitCode, 0, String(r.stderr));
  t.like(ledger(sim.dir).find((e) => e.uuid === dev), { domain: { name: 'skipper' } });
  t.false(devices(sim.dir).includes(pool[1]), 'member 1 was drawn');
  t.like(ledger(sim.dir).find((e) => e.uuid === pool[0]), { state: 'abandoned' });
  t.true(hookLog(sim.dir).some((l) => l.action === 'draw-skip' && l.member === 0));
  t.is((await cli(sim.dir, ['simulate', 'unhold', pool[0]])).exitCode, 0);
  const g = await cli(sim.dir, ['gc', '--min-age', '3600', '--remove-timeout', '10']);
  t.is(g.exitCode, 0, String(g.stdout) + String(g.stderr));
  t.like(await poolInfo(sim.dir, 'serial'), { free: 1, lent: 1, missing: 0 });
  t.true(devices(sim.dir).includes(pool[0]), 'the held member, removed once let go, was made again');
});
