// Shared by the pool tests: a simulated host per test (the node-device tests' helper), pool documents,
// and what the host holds afterwards read in-process (devices on the bus, the ledger).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { readLedger } from '../../src/ledger/store.js';
import type { LedgerEntry } from '../../src/ledger/types.js';
import { openMdevBus } from '../../src/mdevbus/bus.js';
import type { MdevDevice } from '../../src/mdevbus/types.js';
import type { Host } from '../nodedev/helpers.js';

export { simHost, type Host } from '../nodedev/helpers.js';

export function poolXml(name: string, type: string, size: number | string, parents: string[] = []): string {
  return `<mdevpool>\n  <name>${name}</name>\n  <type id='${type}'/>\n${parents.map((p) => `  <parent>${p}</parent>\n`).join('')}  <size>${size}</size>\n</mdevpool>\n`;
}

/** pool-define a pool written from its parts; throws when the CLI refuses */
export async function define(h: Host, name: string, type: string, size: number, parents: string[] = []): Promise<void> {
  const r = await h.run(['pool-define', h.file(`${name}.xml`, poolXml(name, type, size, parents))]);
  if (r.exitCode !== 0) throw new Error(`pool-define ${name}: ${String(r.stderr)}`);
}

export function devices(h: Host): MdevDevice[] {
  return openMdevBus(new HostRoot(h.dir)).listDevices();
}

export function poolLedger(h: Host, pool: string): LedgerEntry[] {
  return readLedger(new HostRoot(h.dir)).devices.filter((e) => e.pool === pool).sort((a, b) => (a.member ?? 0) - (b.member ?? 0));
}

export function ledgerFile(h: Host): string {
  return path.join(h.dir, 'run/virt-mdev/ledger.json');
}

/** Edit the stored ledger as a draw would have left it (tests only: no lock, no other writer runs). */
export function editLedger(h: Host, edit: (entries: LedgerEntry[]) => void): void {
  const l = JSON.parse(fs.readFileSync(ledgerFile(h), 'utf8')) as { version: 1; devices: LedgerEntry[] };
  edit(l.devices);
  fs.writeFileSync(ledgerFile(h), JSON.stringify(l, null, 2) + '\n');
}

/** A running domain as libvirt's status file shows it, naming these mdev UUIDs. */
export function runningDomain(h: Host, name: string, uuids: string[]): void {
  const dir = path.join(h.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  const hostdevs = uuids.map((u) => `<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'><source><address uuid='${u}'/></source></hostdev>`).join('');
  fs.writeFileSync(path.join(dir, `${name}.xml`), `<domstatus state='running'><domain type='kvm'><name>${name}</name><devices>${hostdevs}</devices></domain></domstatus>\n`);
}

export interface ListRow { name: string; state: string; autostart: boolean; type: string; size: number; free: number; lent: number; missing: number; lentTo: string[] }

export async function listJson(h: Host, ...args: string[]): Promise<ListRow[]> {
  const r = await h.run(['--json', 'pool-list', ...args]);
  if (r.exitCode !== 0) throw new Error(`pool-list: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout)) as ListRow[];
}
