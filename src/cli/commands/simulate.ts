// `virt-mdev simulate …`: make and drive simulated hosts (a sysfs-shaped directory plus the kernel
// emulation), for tests, demos and dry runs.
import type { Command } from 'commander';
import { globals, hostRootOf, printJson } from '../context.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerSimulate(program: Command): void {
  const sim = program
    .command('simulate')
    .description('create and drive a simulated host (a directory laid out like sysfs; use it with --root)');

  sim
    .command('init')
    .description('write a simulated host into DIR (new or empty, or an existing simulated host to extend)')
    .argument('<dir>', 'directory for the simulated host')
    .option('-p, --profile <name>', 'profile to add (repeatable): mtty, gvt-g, nvidia, ccw, ap', collect, [] as string[])
    .action(async (dir: string, opts: { profile: string[] }, cmd: Command) => {
      const { initSimHost } = await import('../../simhost/init.js');
      const { openMdevBus } = await import('../../mdevbus/bus.js');
      const res = await initSimHost(dir, opts.profile);
      const names = new Set(res.parents.map((p) => p.name));
      const parents = openMdevBus(res.root).listParents().filter((p) => names.has(p.name));
      if (globals(cmd).json) {
        printJson({
          root: res.root.dir,
          added: res.added,
          alreadyPresent: res.present,
          parents: parents.map((p) => ({ name: p.name, sysfsPath: p.sysfsPath, types: p.types.map((t) => ({ id: t.id, availableInstances: t.availableInstances })) })),
        });
        return;
      }
      const lines = [`simulated host ${res.root.dir}: ${res.added.length ? `added ${res.added.join(', ')}` : 'nothing added'}` +
        (res.present.length ? ` (already had ${res.present.join(', ')})` : '')];
      for (const p of parents) {
        lines.push(`  parent ${p.name} at ${p.sysfsPath}: ${p.types.map((t) => `${t.id} (${t.availableInstances} available)`).join(', ')}`);
      }
      lines.push(`use it with --root ${res.root.dir} or VIRT_MDEV_ROOT=${res.root.dir}`);
      process.stdout.write(lines.join('\n') + '\n');
    });

  sim
    .command('profiles')
    .description('list the simulated-host profiles')
    .action(async (_opts: unknown, cmd: Command) => {
      const { PROFILES } = await import('../../simhost/profiles.js');
      if (globals(cmd).json) {
        printJson(PROFILES.map((p) => ({
          name: p.name,
          summary: p.summary,
          parents: p.parents.map((x) => ({ name: x.name, sysfsPath: `/${x.path}`, types: x.types.map((t) => t.id) })),
        })));
        return;
      }
      process.stdout.write(PROFILES.map((p) => `${p.name.padEnd(7)} ${p.summary}`).join('\n') + '\n');
    });

  sim
    .command('hold')
    .description('mark a device of the simulated host (--root) as held open by a VM: removing it blocks until unhold')
    .argument('<uuid>', 'mdev UUID')
    .action(async (uuid: string, _opts: unknown, cmd: Command) => {
      const root = hostRootOf(cmd);
      const { holdSimDevice } = await import('../../simhost/kernel.js');
      const { canonicalUuid } = await import('../../util/validate.js');
      await holdSimDevice(root, uuid);
      process.stdout.write(`held ${canonicalUuid(uuid)} open on ${root.dir}\n`);
    });

  sim
    .command('unhold')
    .description('release a held device of the simulated host (--root); a blocked remove then completes')
    .argument('<uuid>', 'mdev UUID')
    .action(async (uuid: string, _opts: unknown, cmd: Command) => {
      const root = hostRootOf(cmd);
      const { unholdSimDevice } = await import('../../simhost/kernel.js');
      const { canonicalUuid } = await import('../../util/validate.js');
      const was = await unholdSimDevice(root, uuid);
      process.stdout.write(`${was ? 'released' : 'was not held:'} ${canonicalUuid(uuid)} on ${root.dir}\n`);
    });
}
