// `virt-mdev simulate …`: make and drive simulated hosts (a sysfs-shaped directory plus the kernel
// emulation), for tests, demos and dry runs.
import * as path from 'node:path';
import type { Command } from 'commander';
import { resolveHostRoot, type HostRoot } from '../../host/root.js';
import { globals, hostRootOf, printJson, seconds } from '../context.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** A parent's sysfs name, also when it is given by its libvirt node-device name (pci_0000_00_02_0, mtty_mtty). */
async function simParentName(root: HostRoot, arg: string): Promise<string> {
  const { readSimState } = await import('../../simhost/state.js');
  const { parentNodedevName } = await import('../../nodedev/names.js');
  const parents = readSimState(root.dir)?.parents ?? [];
  if (parents.some((p) => p.name === arg)) return arg;
  const hit = parents.find((p) => parentNodedevName({ name: p.name, subsystem: path.basename(p.subsystem), sysfsPath: `/${p.path}` }) === arg);
  return hit?.name ?? arg;
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

  sim
    .command('reboot')
    .description('play a reboot of the simulated host in DIR: every mdev goes (held ones too), run/ is emptied, etc/ and the rest stay')
    .argument('<dir>', 'the simulated host')
    .action(async (dir: string, _opts: unknown, cmd: Command) => {
      const root = resolveHostRoot(dir);
      const { rebootSimHost } = await import('../../simhost/reboot.js');
      const r = await rebootSimHost(root);
      if (globals(cmd).json) return printJson({ root: root.dir, removed: r.removed, clearedRun: r.clearedRun });
      process.stdout.write(`rebooted simulated host ${root.dir}: removed ${plural(r.removed.length, 'mdev')}, cleared run/` +
        `${r.clearedRun.length ? ` (${r.clearedRun.join(', ')})` : ''}, kept etc/\n`);
    });

  sim
    .command('unplug')
    .description("take a parent of the simulated host in DIR away, as when its driver unregisters from mdev: its mdevs and types go, its device stays")
    .argument('<dir>', 'the simulated host')
    .argument('<parent>', "the parent's sysfs name (mtty, 0000:00:02.0) or node-device name (pci_0000_00_02_0)")
    .action(async (dir: string, parentArg: string, _opts: unknown, cmd: Command) => {
      const root = resolveHostRoot(dir);
      const { unplugSimParent } = await import('../../simhost/hotplug.js');
      const r = await unplugSimParent(root, await simParentName(root, parentArg));
      if (globals(cmd).json) return printJson({ root: root.dir, parent: r.parent, removed: r.removed });
      process.stdout.write(`unplugged ${r.parent} from simulated host ${root.dir}: removed ${plural(r.removed.length, 'mdev')}\n`);
    });

  sim
    .command('plug')
    .description('bring an unplugged parent of the simulated host in DIR back as init laid it out: every type, full capacity')
    .argument('<dir>', 'the simulated host')
    .argument('<parent>', "the parent's sysfs name (mtty, 0000:00:02.0) or node-device name (pci_0000_00_02_0)")
    .option('--types-after <seconds>', 'register at once but offer the types only this much later (a late vendor daemon)')
    .action(async (dir: string, parentArg: string, opts: { typesAfter?: string }, cmd: Command) => {
      const root = resolveHostRoot(dir);
      const typesAfterMs = opts.typesAfter !== undefined ? seconds(opts.typesAfter, '--types-after') : undefined;
      const { plugSimParent } = await import('../../simhost/hotplug.js');
      const r = await plugSimParent(root, await simParentName(root, parentArg), { typesAfterMs });
      const { openMdevBus } = await import('../../mdevbus/bus.js');
      const types = openMdevBus(root).getParent(r.parent).types;
      if (globals(cmd).json) {
        return printJson({
          root: root.dir,
          parent: r.parent,
          ...(r.typesAt !== undefined ? { typesAt: new Date(r.typesAt).toISOString() } : {}),
          types: types.map((t) => ({ id: t.id, availableInstances: t.availableInstances })),
        });
      }
      const what = r.typesAt !== undefined
        ? `its types appear in ${(typesAfterMs ?? 0) / 1000} s`
        : types.map((t) => `${t.id} (${t.availableInstances} available)`).join(', ');
      process.stdout.write(`plugged ${r.parent} into simulated host ${root.dir}: ${what}\n`);
    });
}
