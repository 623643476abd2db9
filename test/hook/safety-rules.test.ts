// The removal rules, each checked on every path that could remove a device, as a table: never remove
// an adopted device (it existed before us), an unmanaged one (not ours at all), a foreign one (ours
// once, replaced under the same UUID by another type) or one in use by another running domain. Paths:
// release, gc, gc finishing an interrupted release ('removing') or an abandoned removal, reconnect,
// and nodedev-destroy without --force. Each row: the device is still there, as the same type, after.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import { cli, createByHand, domainXml, hook, ledger, markRunning, simHost, uuid } from './helpers.js';

interface World { dir: string; dev: string; xml: string }

type Rule = 'adopted' | 'unmanaged' | 'foreign' | 'in-use';
type Path = 'release' | 'gc' | 'gc of an interrupted release' | 'gc of an abandoned removal' | 'reconnect' | 'nodedev-destroy';

const DOM = 'owner';

/** Each rule's world: domain DOM prepared (not running), its device `dev` protected by the rule. */
const worlds: Record<Rule, (dir: string) => Promise<World>> = {
  adopted: async (dir) => {
    const dev = uuid();
    await createByHand(dir, 'mtty', 'mtty-2', dev);
    return { dir, dev, xml: domainXml(DOM, uuid(), [{ uuid: dev, type: 'mtty-2' }]) };
  },
  unmanaged: async (dir) => {
    const dev = uuid();
    await createByHand(dir, 'mtty', 'mtty-1', dev);
    return { dir, dev, xml: domainXml(DOM, uuid(), [], [{ uuid: dev }]) };
  },
  foreign: async (dir) => {
    const dev = uuid();
    const xml = domainXml(DOM, uuid(), [{ uuid: dev, type: 'mtty-2' }]);
    return { dir, dev, xml };
  },
  'in-use': async (dir) => {
    const dev = uuid();
    return { dir, dev, xml: domainXml(DOM, uuid(), [{ uuid: dev, type: 'mtty-2' }]) };
  },
};

/** What happens after prepare, before the path runs: the device changes hands or gets replaced. */
async function afterPrepare(rule: Rule, w: World): Promise<void> {
  if (rule === 'foreign') {
    // removed by hand and made again under the same UUID as another type: no longer the device we made
    await openMdevBus(new HostRoot(w.dir)).remove(w.dev);
    await createByHand(w.dir, 'mtty', 'mtty-1', w.dev);
  }
  if (rule === 'in-use') markRunning(w.dir, 'other', domainXml('other', uuid(), [], [{ uuid: w.dev }]));
}

function setLedgerState(dir: string, dev: string, state: string): boolean {
  const file = path.join(dir, 'run/virt-mdev/ledger.json');
  const l = JSON.parse(fs.readFileSync(file, 'utf8')) as { devices: Array<{ uuid: string; state: string }> };
  const e = l.devices.find((x) => x.uuid === dev);
  if (!e) return false;
  e.state = state;
  fs.writeFileSync(file, JSON.stringify(l, null, 2) + '\n');
  return true;
}

const paths: Record<Path, (w: World) => Promise<{ exitCode?: number; stderr?: unknown }>> = {
  release: (w) => hook(w.dir, DOM, 'release', 'end', w.xml),
  gc: (w) => cli(w.dir, ['gc', '--min-age', '0', '--remove-timeout', '10']),
  'gc of an interrupted release': (w) => {
    setLedgerState(w.dir, w.dev, 'removing');
    return cli(w.dir, ['gc', '--min-age', '0', '--remove-timeout', '10']);
  },
  'gc of an abandoned removal': (w) => {
    setLedgerState(w.dir, w.dev, 'abandoned');
    return cli(w.dir, ['gc', '--min-age', '0', '--remove-timeout', '10']);
  },
  reconnect: (w) => hook(w.dir, DOM, 'reconnect', 'begin', w.xml),
  'nodedev-destroy': (w) => cli(w.dir, ['nodedev-destroy', w.dev]),
};

const rows: Array<[Rule, Path]> = [];
for (const rule of Object.keys(worlds) as Rule[]) {
  for (const p of Object.keys(paths) as Path[]) {
    // an unmanaged device has no ledger entry whose state could be left behind
    if (rule === 'unmanaged' && p.startsWith('gc of')) continue;
    // nodedev-destroy is an admin's explicit act: of the four rules only "in use" holds it back
    if (p === 'nodedev-destroy' && rule !== 'in-use') continue;
    rows.push([rule, p]);
  }
}

for (const [rule, p] of rows) {
  test(`safety: ${p} never removes the ${rule} device`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const w = await worlds[rule](sim.dir);
    const prep = await hook(sim.dir, DOM, 'prepare', 'begin', w.xml);
    t.is(prep.exitCode, 0, String(prep.stderr));
    await afterPrepare(rule, w);
    const bus = openMdevBus(new HostRoot(sim.dir));
    const before = bus.findDevice(w.dev);
    t.truthy(before, 'the device exists before the path runs');
    if (rule !== 'unmanaged') t.true(ledger(sim.dir).some((e) => e.uuid === w.dev), 'the ledger has an entry the path could act on');
    const r = await paths[p](w);
    if (p === 'nodedev-destroy') {
      t.is(r.exitCode, 10, String(r.stderr)); // REFUSED
      t.regex(String(r.stderr), /in use by running domain 'other'/);
    }
    const after = bus.findDevice(w.dev);
    t.truthy(after, `${p} removed the ${rule} device`);
    t.is(after?.typeId, before?.typeId);
    t.false(bus.removalPending(w.dev), 'no removal pending either');
  });
}
