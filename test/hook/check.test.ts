// `virt-mdev check` against what the hook's prepare then really does, case by case
// (test/data/check/<case>/: domain.xml, host.json describing the simulated host, expected.txt).
// check must write nothing; its verdict, exit code and line must be prepare's; where it says a
// device is created, adopted or used, that is what prepare does.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { writeDefinition } from '../../src/definitions/store.js';
import { cliPath, moduleRecorder, repoRoot, snapshotTree, tempDir } from '../helpers/cli.js';
import { cli, createByHand, deviceType, devices, hook, ledger, markRunning, simHost } from './helpers.js';

interface HostSpec {
  profiles: string[];
  devices?: Array<{ parent: string; type: string; uuid: string }>;
  definitions?: Array<{ parent: string; type: string; uuid: string; start: 'auto' | 'manual' }>;
  /** running-NAME.xml files in the case directory, marked running */
  running?: string[];
  /** set when the hook cannot be compared yet, saying why */
  hook?: string;
}

interface Report {
  start: boolean;
  exitCode: number;
  hostdevs: Array<{ n: number; uuid: string; managed: boolean; action: string; type?: string; parent?: string }>;
  error?: { message: string };
}

const DATA = path.join(repoRoot, 'test/data/check');
const UPDATE = process.env.VIRT_MDEV_UPDATE_EXPECTED === '1';

async function setUp(dir: string, spec: HostSpec): Promise<{ root: string; cleanup: () => void }> {
  const sim = await simHost(spec.profiles);
  for (const d of spec.devices ?? []) await createByHand(sim.dir, d.parent, d.type, d.uuid);
  for (const d of spec.definitions ?? []) writeDefinition(new HostRoot(sim.dir), { ...d, attrs: [], extra: {} });
  for (const name of spec.running ?? []) markRunning(sim.dir, name, fs.readFileSync(path.join(dir, `running-${name}.xml`), 'utf8'));
  return { root: sim.dir, cleanup: sim.cleanup };
}

for (const name of fs.readdirSync(DATA).sort()) {
  const dir = path.join(DATA, name);
  test(`check agrees with prepare: ${name}`, async (t) => {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'host.json'), 'utf8')) as HostSpec;
    const { root, cleanup } = await setUp(dir, spec);
    t.teardown(cleanup);
    const xmlFile = path.join(dir, 'domain.xml');
    const xml = fs.readFileSync(xmlFile, 'utf8');
    const before = snapshotTree(root);

    const text = await cli(root, ['check', xmlFile]);
    const shown = `exit: ${String(text.exitCode)}\n${String(text.stdout)}${text.stderr ? `stderr: ${String(text.stderr)}` : ''}`.split(root).join('@ROOT@');
    const expectedFile = path.join(dir, 'expected.txt');
    if (UPDATE) fs.writeFileSync(expectedFile, shown);
    t.is(shown, fs.readFileSync(expectedFile, 'utf8'));
    const json = await cli(root, ['--json', 'check', xmlFile]);
    const report = JSON.parse(String(json.stdout)) as Report;
    t.is(json.exitCode, text.exitCode);
    t.is(report.exitCode, text.exitCode ?? -1);
    t.deepEqual(snapshotTree(root), before, 'check changed nothing on the host (devices, ledger, logs)');
    if (spec.hook) {
      t.log(spec.hook);
      return;
    }

    const domName = /<name>([^<]*)<\/name>/.exec(xml)![1];
    const r = await hook(root, domName, 'prepare', 'begin', xml);
    t.is(r.exitCode === 0, report.start, `check said start=${String(report.start)}, prepare exited ${String(r.exitCode)}: ${String(r.stderr)}`);
    if (!report.start) {
      t.is(String(r.stderr), `virt-mdev: ${report.error!.message}\n`, 'the same line as the hook');
      return;
    }
    const owned = ledger(root);
    for (const h of report.hostdevs) {
      t.true(devices(root).includes(h.uuid), `#${h.n} exists after prepare`);
      t.is(deviceType(root, h.uuid), h.type);
      const e = owned.find((x) => x.uuid === h.uuid);
      if (h.action === 'create') t.is(e?.parent, h.parent, `#${h.n} was created where check said`);
      if (h.action === 'adopt') t.is(e?.origin, 'adopted');
      if (h.action === 'use' || h.action === 'start') t.is(e, undefined, 'an unmanaged device is not ours');
    }
  });
}

test('check loads no wasm, xmldom or xpath, reads stdin, and an unreadable file is a usage error', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const rec = tempDir('virt-mdev-check-loads-');
  t.teardown(rec.cleanup);
  const recorder = moduleRecorder(rec.dir);
  const xml = fs.readFileSync(path.join(DATA, 'create-two-types/domain.xml'), 'utf8');
  const r = await execa(process.execPath, [recorder.importFlag, cliPath, '--root', sim.dir, 'check', '-'], { input: xml, reject: false });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^domain 'two' would start/);
  const urls = recorder.loaded().join('\n');
  t.true(urls.includes('src/hook/plan.ts'));
  for (const bad of ['libxml2-wasm', '.wasm', '@xmldom', '/xpath/']) t.false(urls.includes(bad), `loaded ${bad}`);
  const missing = await cli(sim.dir, ['check', path.join(rec.dir, 'nope.xml')]);
  t.is(missing.exitCode, 2);
  t.regex(String(missing.stderr), /^virt-mdev: cannot read '.*nope.xml': ENOENT\n$/);
});
