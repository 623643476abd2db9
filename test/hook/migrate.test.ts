// migrate begin / restore begin: the only calls whose stdout libvirt uses. Nothing printed when the
// UUIDs are free here; a UUID another domain uses gets a fresh one and only that value changes.
import test from 'ava';
import { createByHand, domainXml, hook, markRunning, simHost, uuid } from './helpers.js';

for (const op of ['migrate', 'restore']) {
  test(`${op} begin: prints nothing when the managed UUIDs are free on this host`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const r = await hook(sim.dir, 'mig', op, 'begin', domainXml('mig', uuid(), [{ uuid: uuid(), type: 'mtty-2' }]));
    t.is(r.exitCode, 0, String(r.stderr));
    t.is(r.stdout, '');
  });

  test(`${op} begin: a UUID taken by a running domain gets a fresh one; every other byte is unchanged`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const taken = uuid(), free = uuid();
    const local = domainXml('local', uuid(), [{ uuid: taken, type: 'mtty-2' }]);
    t.is((await hook(sim.dir, 'local', 'prepare', 'begin', local)).exitCode, 0);
    markRunning(sim.dir, 'local', local);
    // CRLF, odd spacing and a comment must survive untouched
    const incoming = domainXml('incoming', uuid(), [{ uuid: taken, type: 'mtty-2' }, { uuid: free, type: 'mtty-1' }])
      .replace('<devices>', '<devices>  <!-- keep me -->').replace(/\n/g, '\r\n');
    const r = await hook(sim.dir, 'incoming', op, 'begin', incoming);
    t.is(r.exitCode, 0, String(r.stderr));
    const out = String(r.stdout);
    t.not(out, '');
    t.false(out.includes(taken));
    const fresh = /uuid='([0-9a-f-]{36})'/.exec(out.slice(out.indexOf('<virt-mdev:device')))![1];
    t.not(fresh, taken);
    t.is(out.split(fresh).length - 1, 2, 'the metadata entry and the hostdev source both carry the new UUID');
    t.is(out.split(fresh).join(taken), incoming, 'only the UUID changed');
    t.true(out.includes(free));
    // the rewritten domain then prepares fine next to the running one
    const p = await hook(sim.dir, 'incoming', 'prepare', 'begin', out);
    t.is(p.exitCode, 0, String(p.stderr));
  });
}

test('migrate begin: a UUID held by a foreign device of another type is replaced too, an unmanaged one never', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const clash = uuid(), unmanaged = uuid();
  await createByHand(sim.dir, 'mtty', 'mtty-1', clash);
  await createByHand(sim.dir, 'mtty', 'mtty-1', unmanaged);
  const incoming = domainXml('inc2', uuid(), [{ uuid: clash, type: 'mtty-2' }], [{ uuid: unmanaged }]);
  const r = await hook(sim.dir, 'inc2', 'migrate', 'begin', incoming);
  t.is(r.exitCode, 0, String(r.stderr));
  t.false(String(r.stdout).includes(clash));
  t.true(String(r.stdout).includes(unmanaged));
});
