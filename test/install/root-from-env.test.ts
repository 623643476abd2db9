// install-hook and install write the host root into what they install: an exported VIRT_MDEV_ROOT
// (left from a dry run) must not pick it; only --root does, and the report says which root.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotTree, virtMdev } from '../helpers/cli.js';
import { simHost } from '../hook/helpers.js';

for (const command of ['install-hook', 'install']) {
  test(`${command} with VIRT_MDEV_ROOT exported and no --root refuses, writing nothing`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const before = snapshotTree(sim.dir);
    const hooksDir = path.join(sim.dir, 'elsewhere-hooks');
    const r = await virtMdev([command, '--hooks-dir', hooksDir], { env: { VIRT_MDEV_ROOT: sim.dir } });
    t.is(r.exitCode, 2, String(r.stderr));
    t.is(String(r.stderr), `virt-mdev: VIRT_MDEV_ROOT is set (${sim.dir}): ${command} would install into that root and make what it installs act on it; pass --root '${sim.dir}' to mean that, or unset VIRT_MDEV_ROOT to install for this host\n`);
    t.is(r.stdout, '');
    t.deepEqual(snapshotTree(sim.dir), before);
  });

  test(`${command} --root DIR installs there, bakes DIR in and says so`, async (t) => {
    const sim = await simHost(['mtty']);
    t.teardown(sim.cleanup);
    const r = await virtMdev(['--root', sim.dir, command], { env: { VIRT_MDEV_ROOT: sim.dir } });
    t.is(r.exitCode, 0, String(r.stderr));
    t.true(String(r.stdout).includes(`host root ${sim.dir}: what was installed acts on that root, not on this host\n`), String(r.stdout));
    const wrapper = fs.readFileSync(path.join(sim.dir, 'etc/libvirt/hooks/qemu.d/50-virt-mdev'), 'utf8');
    t.true(wrapper.includes(`VIRT_MDEV_ROOT='${sim.dir}'`));
  });
}
