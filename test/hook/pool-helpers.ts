// Pools on simulated hosts for the hook's draw/return tests: defined and started through the CLI as an
// admin would, and their state as `pool-info --json` reports it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { poolMemberUuid } from '../../src/pools/types.js';
import { cli } from './helpers.js';

export interface PoolInfo { name: string; size: number; free: number; lent: number; missing: number; lentTo: string[]; members: Array<{ member: number; uuid: string; state: string; parent?: string }> }

/** pool-define + pool-start; throws with the CLI's stderr when either fails */
export async function startedPool(root: string, name: string, type: string, size: number, parents: string[] = []): Promise<string[]> {
  const file = path.join(root, `${name}.pool.xml`);
  fs.writeFileSync(file, `<mdevpool>\n  <name>${name}</name>\n  <type id='${type}'/>\n${parents.map((p) => `  <parent>${p}</parent>\n`).join('')}  <size>${size}</size>\n</mdevpool>\n`);
  for (const args of [['pool-define', file], ['pool-start', name]]) {
    const r = await cli(root, args);
    if (r.exitCode !== 0) throw new Error(`${args.join(' ')}: ${String(r.stderr)}`);
  }
  return members(name, size);
}

export function members(name: string, size: number): string[] {
  return Array.from({ length: size }, (_, k) => poolMemberUuid(name, k));
}

export async function poolInfo(root: string, name: string): Promise<PoolInfo> {
  const r = await cli(root, ['--json', 'pool-info', name]);
  if (r.exitCode !== 0) throw new Error(`pool-info ${name}: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout)) as PoolInfo;
}

/**
 * What exists on the simulated host, without the numbers the kernel hands out in creation order
 * (IOMMU groups, vfio-dev minors): every mdev as parent/type, and every type's available_instances.
 * Equal states mean the same devices and the same capacity, whatever order members were made in.
 */
export function hostState(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const devDir = path.join(root, 'sys/bus/mdev/devices');
  for (const u of fs.existsSync(devDir) ? fs.readdirSync(devDir).sort() : []) {
    const real = fs.realpathSync(path.join(devDir, u));
    out[`device ${u}`] = `${path.basename(path.dirname(real))}/${path.basename(fs.readlinkSync(path.join(real, 'mdev_type')))}`;
  }
  const busDir = path.join(root, 'sys/class/mdev_bus');
  for (const p of fs.existsSync(busDir) ? fs.readdirSync(busDir).sort() : []) {
    const types = path.join(busDir, p, 'mdev_supported_types');
    for (const t of fs.readdirSync(types).sort()) out[`available ${p}/${t}`] = fs.readFileSync(path.join(types, t, 'available_instances'), 'utf8').trim();
  }
  return out;
}
