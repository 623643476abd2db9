// hooks/qemu answers domains without mdev from sh alone: node is never started for them. A fake
// node (VIRT_MDEV_NODE) that leaves a mark before running the real one shows when node runs.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { devices, domainXml, hook, plainDomainXml, simHost, uuid } from './helpers.js';

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

/** cat and grep on the hook's PATH that leave a mark before running the real ones */
function markedTools(dir: string): { path: string; ran: () => string[] } {
  const bin = path.join(dir, 'marked-bin');
  const mark = path.join(dir, 'tools-ran');
  fs.mkdirSync(bin);
  for (const tool of ['cat', 'grep']) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho ${tool} >> '${mark}'\nexec /bin/${tool} "$@"\n`, { mode: 0o755 });
  }
  return { path: `${bin}:/bin:/sbin`, ran: () => (fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8').split('\n').filter(Boolean) : []) };
}

test('a domain seen with mdevs: prepare and release go straight to node, which reads stdin itself; the mark goes with the mdevs', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const tools = markedTools(sim.dir);
  const env = { PATH: tools.path };
  const dom = uuid();
  const dev = uuid();
  const xml = domainXml('seen', dom, [{ uuid: dev, type: 'mtty-1' }]);
  const marker = path.join(sim.dir, 'run/virt-mdev/mdev-domains/seen');
  // the first start: sh reads the XML (cat), node marks the domain
  t.is((await hook(sim.dir, 'seen', 'prepare', 'begin', xml, env)).exitCode, 0);
  t.deepEqual(tools.ran(), ['cat']);
  t.true(fs.statSync(marker).isFile());
  t.deepEqual(devices(sim.dir), [dev]);
  // release: no grep in front; node frees the device and drains the XML libvirt writes
  const rel = await hook(sim.dir, 'seen', 'release', 'end', xml + ' '.repeat(1 << 20), env);
  t.is(rel.exitCode, 0, String(rel.stderr));
  t.deepEqual(devices(sim.dir), []);
  // the next start: no cat either
  t.is((await hook(sim.dir, 'seen', 'prepare', 'begin', xml, env)).exitCode, 0);
  t.deepEqual(devices(sim.dir), [dev]);
  t.is((await hook(sim.dir, 'seen', 'release', 'end', xml, env)).exitCode, 0);
  t.deepEqual(tools.ran(), ['cat'], 'cat and grep ran for the first start only');
  // node says what sh said about an empty stdin
  const empty = await hook(sim.dir, 'seen', 'prepare', 'begin', '', env);
  t.is(empty.exitCode, 1);
  t.is(String(empty.stderr), 'virt-mdev: the domain XML on stdin is empty; refusing to prepare without it\n');
  // the domain lost its mdevs (its XML still says mdev somewhere): node finds none and drops the mark
  const none = plainDomainXml('seen', dom).replace('<devices>', '<!-- was an mdev domain -->\n  <devices>');
  t.is((await hook(sim.dir, 'seen', 'prepare', 'begin', none, env)).exitCode, 0);
  t.false(fs.existsSync(marker));
  t.deepEqual(devices(sim.dir), []);
});

test('a name sh cannot spell as a file name gets no mark, and its calls take the long way', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const tools = markedTools(sim.dir);
  const env = { PATH: tools.path };
  for (const name of ['has space', '.hidden', 'x'.repeat(201)]) {
    const dev = uuid();
    const xml = domainXml(name, uuid(), [{ uuid: dev, type: 'mtty-1' }]);
    t.is((await hook(sim.dir, name, 'prepare', 'begin', xml, env)).exitCode, 0, name);
    t.is((await hook(sim.dir, name, 'release', 'end', xml, env)).exitCode, 0, name);
    t.deepEqual(devices(sim.dir), [], name);
  }
  t.false(fs.existsSync(path.join(sim.dir, 'run/virt-mdev/mdev-domains')));
  t.deepEqual(tools.ran(), ['cat', 'grep', 'cat', 'grep', 'cat', 'grep']);
});
