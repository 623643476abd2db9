// hooks/qemu answers domains without mdev from sh alone: node is never started for them. A fake
// node (VIRT_MDEV_NODE) that leaves a mark before running the real one shows when node runs.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { domainXml, hook, plainDomainXml, simHost, uuid } from './helpers.js';

function fakeNode(dir: string): { env: Record<string, string>; ran: () => number } {
  const mark = path.join(dir, 'node-ran');
  const script = path.join(dir, 'fake-node');
  fs.writeFileSync(script, `#!/bin/sh\necho x >> '${mark}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  return {
    env: { VIRT_MDEV_NODE: script },
    ran: () => (fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

test('no mdev in the XML: prepare, release, reconnect, migrate, restore and the ignored ops never start node', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const f = fakeNode(sim.dir);
  const xml = plainDomainXml('fast');
  for (const [op, sub] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin'], ['stopped', 'end'], ['release', 'end'], ['reconnect', 'begin'], ['migrate', 'begin'], ['restore', 'begin']]) {
    const r = await hook(sim.dir, 'fast', op, sub, xml, f.env);
    t.is(r.exitCode, 0, op);
    t.is(r.stdout, '', op);
  }
  t.is(f.ran(), 0);
});

test('an mdev domain starts node, and so does the release of a domain the ledger still lists', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const f = fakeNode(sim.dir);
  const dom = uuid();
  t.is((await hook(sim.dir, 'slow', 'prepare', 'begin', domainXml('slow', dom, [{ uuid: uuid(), type: 'mtty-1' }]), f.env)).exitCode, 0);
  t.is(f.ran(), 1);
  // another domain without mdev: the ledger does not name it, no node
  t.is((await hook(sim.dir, 'other', 'release', 'end', plainDomainXml('other'), f.env)).exitCode, 0);
  t.is(f.ran(), 1);
  // the same domain, its XML without the mdev: the ledger names it, node decides
  t.is((await hook(sim.dir, 'slow', 'release', 'end', plainDomainXml('slow', dom), f.env)).exitCode, 0);
  t.is(f.ran(), 2);
});
