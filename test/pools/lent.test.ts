// Members lent to domains are never taken away: pool-destroy and a shrink over them are refused,
// naming the domains, and change nothing. A lent member is a ledger entry of the pool with a domain
// (what a draw leaves), or a free member a running domain names in an unmanaged hostdev.
import test from 'ava';
import { poolMemberUuid } from '../../src/pools/types.js';
import { snapshotTree } from '../helpers/cli.js';
import { define, devices, editLedger, listJson, poolLedger, runningDomain, simHost } from './helpers.js';

const DOMAIN_DEV = '0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b';

test('destroy and shrink refuse while members are lent, naming the domains; free members above them can go', async (t) => {
  const h = await simHost('mtty');
  t.teardown(h.cleanup);
  await define(h, 'p', 'mtty-1', 6);
  t.is((await h.run(['pool-start', 'p'])).exitCode, 0);
  // member 1 lent to win10 (a draw: the member's device replaced by the domain's own UUID) and
  // member 3 named by the running domain 'legacy' as an unmanaged hostdev
  editLedger(h, (entries) => {
    const e = entries.find((x) => x.uuid === poolMemberUuid('p', 1))!;
    e.uuid = DOMAIN_DEV;
    e.domain = { name: 'win10', uuid: 'a3c9a1f4-1111-4222-8333-444455556666' };
  });
  runningDomain(h, 'legacy', [poolMemberUuid('p', 3)]);
  t.like((await listJson(h))[0], { free: 4, lent: 2, lentTo: ['legacy', 'win10'] });

  const before = snapshotTree(h.dir);
  const d = await h.run(['pool-destroy', 'p']);
  t.is(d.exitCode, 6);
  t.is(String(d.stderr), "virt-mdev: pool 'p': cannot destroy it: members 1, 3 are lent to domains legacy, win10; shut them down first (a member lent to a domain that no longer runs is returned by 'virt-mdev gc')\n");
  const s = await h.run(['pool-resize', 'p', '3']);
  t.is(s.exitCode, 6);
  t.regex(String(s.stderr), /^virt-mdev: pool 'p': cannot shrink it to 3: member 3 is lent to domain legacy; shut it down first/);
  t.deepEqual(snapshotTree(h.dir), before);

  const ok = await h.run(['pool-resize', 'p', '4']);
  t.is(ok.exitCode, 0, String(ok.stderr));
  t.deepEqual(poolLedger(h, 'p').map((e) => e.member), [0, 1, 2, 3]);
  t.false(devices(h).some((x) => x.uuid === poolMemberUuid('p', 4) || x.uuid === poolMemberUuid('p', 5)));
  const info = String((await h.run(['pool-info', 'p'])).stdout);
  t.regex(info, /^Lent: +2 \(to legacy, win10\)$/m);
});
