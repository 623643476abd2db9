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
