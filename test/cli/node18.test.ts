// What runs on a host (CLI, hook, autostart) runs on Debian 12's own Node.js 18, not only on the Node
// the tests run on: the bundles in dist/app (binPath, and hooks/qemu's dist/app/hook.cjs), as they ship. `.ci/node18` unpacks Debian's nodejs 18 into /var/cache/virt-mdev/node18 beside
// this machine's Node; VIRT_MDEV_NODE18 names another one. Without it: skipped with a note, except
// in CI, where it fails.
import test, { type ExecutionContext } from 'ava';
import { execa, execaSync, type Result } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binPath, repoRoot, tempDir } from '../helpers/cli.js';
import { devices, domainXml, hook, ledger, uuid } from '../hook/helpers.js';

const NODE18 = process.env.VIRT_MDEV_NODE18 || '/var/cache/virt-mdev/node18/bin/node';

function node18Version(): string | undefined {
  try {
    const r = execaSync(NODE18, ['-p', 'process.version'], { reject: false, timeout: 30_000 });
    const v = String(r.stdout).trim();
    return r.exitCode === 0 && v.startsWith('v18.') ? v : undefined;
  } catch {
    return undefined;
  }
}

const version = node18Version();

/** true when the test may go on; otherwise says why it does not (and fails in CI) */
function haveNode18(t: ExecutionContext): boolean {
  if (version) return true;
  const why = `Debian's Node.js 18 is not available at ${NODE18}: run .ci/node18 as root (or set VIRT_MDEV_NODE18)`;
  if (process.env.CI) t.fail(why);
  else {
    t.log(`skipped: ${why}`);
    t.pass();
  }
  return false;
}

async function run18(args: string[], opts: { root?: string; input?: string } = {}): Promise<Result> {
  return execa(NODE18, [binPath, ...(opts.root ? ['--root', opts.root] : []), ...args], {
    input: opts.input, reject: false, timeout: 120_000, stripFinalNewline: false,
  });
}

function ok(t: ExecutionContext, r: Result, what: string): void {
  t.is(r.exitCode, 0, `${what}: ${String(r.stderr)}`);
}

const sample = (rel: string): string => path.join(repoRoot, 'samples', rel);

test('the CLI starts on Node 18: --help, --version, transform, validate', async (t) => {
  if (!haveNode18(t)) return;
  t.log(`Node ${version} at ${NODE18}`);
  const help = await run18(['--help']);
  ok(t, help, '--help');
  t.regex(String(help.stdout), /^Usage: virt-mdev /);
  ok(t, await run18(['--version']), '--version');
  const tr = await run18(['transform', '-'], { input: domainXml('vm18', uuid(), [{ uuid: uuid(), type: 'mtty-2' }]) });
  ok(t, tr, 'transform');
  // libxml2-wasm, the one dependency with native-like code, on Node 18's WebAssembly
  const v = await run18(['validate', '--no-libvirt', sample('domains/every-form-in-one-domain.xml')]);
  ok(t, v, 'validate');
});

test('node devices, definitions, autostart and pools on a simulated host, on Node 18', async (t) => {
  if (!haveNode18(t)) return;
  const tmp = tempDir('virt-mdev-node18-');
  t.teardown(tmp.cleanup);
  const root = path.join(tmp.dir, 'host');
  ok(t, await run18(['simulate', 'init', root, '--profile', 'mtty']), 'simulate init');
  t.regex(String((await run18(['doctor'], { root })).stdout), /^ok +node +Node v18\.\d+\.\d+ \(needs >= 18\.19\)$/m);
  const list = await run18(['nodedev-list', '--tree'], { root });
  ok(t, list, 'nodedev-list');
  t.regex(String(list.stdout), /mtty_mtty/);

  const created = await run18(['nodedev-create', sample('nodedev/mdev-mtty-2.xml')], { root });
  ok(t, created, 'nodedev-create');
  const made = devices(root);
  t.is(made.length, 1);
  ok(t, await run18(['nodedev-destroy', made[0]!], { root }), 'nodedev-destroy');
  t.deepEqual(devices(root), []);

  const defined = await run18(['nodedev-define', sample('nodedev/define-mtty-generated-uuid.xml')], { root });
  ok(t, defined, 'nodedev-define');
  const name = /mdev_[0-9a-f_]+_mtty/.exec(String(defined.stdout))?.[0];
  t.truthy(name, String(defined.stdout));
  ok(t, await run18(['nodedev-start', name!], { root }), 'nodedev-start');
  t.is(devices(root).length, 1);
  const auto = await run18(['nodedev-define', sample('nodedev/define-mtty-generated-uuid.xml')], { root });
  const autoName = /mdev_[0-9a-f_]+_mtty/.exec(String(auto.stdout))?.[0];
  ok(t, await run18(['nodedev-autostart', autoName!], { root }), 'nodedev-autostart');
  const started = await run18(['autostart'], { root });
  ok(t, started, 'autostart');
  t.regex(String(started.stdout), /started/);
  t.is(devices(root).length, 2);

  ok(t, await run18(['pool-define', sample('pools/mtty-any-parent.xml')], { root }), 'pool-define');
  const pool = await run18(['pool-start', 'serial'], { root });
  ok(t, pool, 'pool-start');
  t.regex(String(pool.stdout), /4 of 4 members/);
  t.is(devices(root).length, 6);
  ok(t, await run18(['pool-destroy', 'serial'], { root }), 'pool-destroy');
  t.is(devices(root).length, 2);
});

test("the hook's managed prepare and release, run by libvirt's hooks/qemu on Node 18", async (t) => {
  if (!haveNode18(t)) return;
  const tmp = tempDir('virt-mdev-node18-');
  t.teardown(tmp.cleanup);
  const root = path.join(tmp.dir, 'host');
  ok(t, await run18(['simulate', 'init', root, '--profile', 'mtty']), 'simulate init');
  // a node that notes each start, so the test knows the hook ran on this Node and not on another
  const calls = path.join(tmp.dir, 'node-calls');
  const node = path.join(tmp.dir, 'node');
  fs.writeFileSync(node, `#!/bin/sh\necho "$*" >>'${calls}'\nexec '${NODE18}' "$@"\n`, { mode: 0o755 });
  const env = { VIRT_MDEV_NODE: node };
  const [a, b] = [uuid(), uuid()];
  const xml = domainXml('vm18', uuid(), [{ uuid: a, type: 'mtty-2' }, { uuid: b, type: 'mtty-1' }]);

  const t0 = Date.now();
  const prep = await hook(root, 'vm18', 'prepare', 'begin', xml, env);
  // Node 18 with the old abstract-socket lock: the simulated kernel's lock inside the ledger's waited 60 s
  t.log(`prepare took ${Date.now() - t0} ms`);
  t.is(prep.exitCode, 0, String(prep.stderr));
  t.true(Date.now() - t0 < 30_000);
  t.deepEqual(devices(root), [a, b].sort());
  t.deepEqual(ledger(root).map((e) => [e.uuid, e.state]).sort(), [[a, 'active'], [b, 'active']].sort());

  const rel = await hook(root, 'vm18', 'release', 'end', xml, env);
  t.is(rel.exitCode, 0, String(rel.stderr));
  t.deepEqual(devices(root), []);
  t.deepEqual(ledger(root), []);
  // the bundles that ship: hooks/qemu runs dist/app/hook.cjs (on a simulated host, removes no write
  // can block run in the hook itself; the remover dist/app/remove-child.cjs takes held devices)
  t.regex(fs.readFileSync(calls, 'utf8'), /dist\/app\/hook\.cjs vm18 prepare begin -\n.*dist\/app\/hook\.cjs vm18 release end -\n/);
});
