// The hook reads stdin with plain reads of fd 0 (src/util/bounded-read.ts readStdinBounded). A stdin
// whose descriptor is non-blocking (a read gives EAGAIN while the writer is slow) must still be read
// whole, through the stream, without spinning. Node cannot make a non-blocking pipe for a child, so a
// small Python harness does: it starts the hook on one, and writes the XML late and in two parts.
import test, { type ExecutionContext } from 'ava';
import { execa, execaSync } from 'execa';
import { repoRoot } from '../helpers/cli.js';
import { devices, domainXml, HOOK_ENV, ledger, simHost, uuid } from './helpers.js';
import * as path from 'node:path';

const HARNESS = `
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(sys.argv[1:], stdin=r)
os.close(r)
data = sys.stdin.buffer.read()
time.sleep(0.3)
os.write(w, data[:100])
time.sleep(0.2)
os.write(w, data[100:])
os.close(w)
sys.exit(p.wait())
`;

const python = ((): string | undefined => {
  try {
    return execaSync('python3', ['-c', 'import fcntl'], { reject: false }).exitCode === 0 ? 'python3' : undefined;
  } catch {
    return undefined;
  }
})();

/** a simulated host for the test and the python to run the harness with; undefined (the test passed as skipped) without python3 */
async function hostWithPython(t: ExecutionContext): Promise<{ dir: string; python: string } | undefined> {
  if (!python) {
    t.log('skipped: no python3 to make a non-blocking pipe');
    t.pass();
    return undefined;
  }
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  return { dir: sim.dir, python };
}

test('a non-blocking stdin that is slow to fill is read whole: prepare creates every device', async (t) => {
  const sim = await hostWithPython(t);
  if (!sim) return;
  const managed = [{ uuid: uuid(), type: 'mtty-2' }, { uuid: uuid(), type: 'mtty-1' }];
  // the hostdevs come after the first 100 bytes: a hook that stopped at the first part would miss them
  const xml = domainXml('slow', uuid(), managed);
  const r = await execa(sim.python, ['-c', HARNESS, process.execPath, path.join(repoRoot, 'dist/app/hook.cjs'), 'slow', 'prepare', 'begin', '-'], {
    input: xml, env: { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir }, extendEnv: false, reject: false, timeout: 60_000,
  });
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stderr), '');
  t.deepEqual(devices(sim.dir).sort(), managed.map((m) => m.uuid).sort());
  t.deepEqual(ledger(sim.dir).map((e) => e.domain?.name), ['slow', 'slow']);
});

test('release of a domain seen with mdevs drains a non-blocking stdin that is slow to fill, after freeing the devices', async (t) => {
  const sim = await hostWithPython(t);
  if (!sim) return;
  const managed = [{ uuid: uuid(), type: 'mtty-1' }];
  const xml = domainXml('slowrel', uuid(), managed);
  const env = { ...HOOK_ENV, VIRT_MDEV_ROOT: sim.dir };
  t.is((await execa(path.join(repoRoot, 'hooks/qemu'), ['slowrel', 'prepare', 'begin', '-'], { input: xml, env, extendEnv: false, reject: false })).exitCode, 0);
  // hooks/qemu hands a seen domain's release to node with libvirt's stdin (src/hook/seen.ts)
  const r = await execa(sim.python, ['-c', HARNESS, path.join(repoRoot, 'hooks/qemu'), 'slowrel', 'release', 'end', '-'], {
    input: xml, env, extendEnv: false, reject: false, timeout: 60_000,
  });
  t.is(r.exitCode, 0, String(r.stderr));
  t.is(String(r.stderr), '');
  t.deepEqual(devices(sim.dir), []);
  t.deepEqual(ledger(sim.dir), []);
});
