// pool-define, pool-undefine, pool-autostart: the persistent side of a pool. Every change is made
// under the ledger lock, the one lock for everything virt-mdev changes, so a definition never
// changes under a pool-start, a draw or gc that is using it.
import type { HostRoot } from '../host/root.js';
import { withLedger } from '../ledger/store.js';
import type { MdevBus, MdevParent } from '../mdevbus/types.js';
import { findParentByName } from '../nodedev/names.js';
import { ExitCode, VirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { checkPoolFits, checkPoolParents } from './host-check.js';
import { parsePoolXml } from './parse.js';
import { poolEntries } from './status.js';
import { findPoolDefinition, readPoolDefinition, removePoolDefinition, setAutostartLink, writePoolDefinition } from './store.js';
import type { PoolDefinition } from './types.js';

export interface DefineResult {
  def: PoolDefinition;
  /** a definition of that name existed and was replaced */
  replaced: boolean;
}

/** parents as sysfs names where this host knows them, sorted: two spellings of one parent compare equal */
function parentKey(def: PoolDefinition, parents: readonly MdevParent[]): string {
  return def.parents.map((p) => findParentByName(parents, p)?.name ?? p).sort().join(',');
}

/** A started pool's members carry its type on its parents: only an identical definition may replace it. */
function checkRedefineActive(old: PoolDefinition, def: PoolDefinition, parents: readonly MdevParent[], members: number, source: string): void {
  const active = `pool '${def.name}' is active (${members} member${members === 1 ? '' : 's'} exist)`;
  if (old.type !== def.type) {
    throw new VirtMdevError(ExitCode.EXISTS, 'pool-active',
      `${source}: ${active} with type ${old.type}: its members cannot become ${def.type}; run 'virt-mdev pool-destroy ${def.name}' first`);
  }
  if (parentKey(old, parents) !== parentKey(def, parents)) {
    throw new VirtMdevError(ExitCode.EXISTS, 'pool-active',
      `${source}: ${active} on parents ${old.parents.join(', ') || '(any offering the type)'}: the parents cannot change while it runs; run 'virt-mdev pool-destroy ${def.name}' first`);
  }
  if (old.size !== def.size) {
    throw new VirtMdevError(ExitCode.EXISTS, 'pool-active',
      `${source}: ${active} with size ${old.size}: change the size of a running pool with 'virt-mdev pool-resize ${def.name} ${def.size}'`);
  }
}

/** The stored definition; a damaged one may be replaced while the pool is not active (it is named otherwise). */
function storedOrDamaged(root: HostRoot, name: string, active: boolean): PoolDefinition | 'damaged' | undefined {
  try {
    return findPoolDefinition(root, name);
  } catch (e) {
    if (active || !(e instanceof VirtMdevError)) throw e;
    return 'damaged';
  }
}

/** Check a document completely, then against the host, then store it in its normalised form. */
export async function definePool(root: HostRoot, bus: MdevBus, text: string, source: string): Promise<DefineResult> {
  const def = parsePoolXml(text, source);
  const where = printable(source, 200);
  return withLedger(root, (txn) => {
    const parents = bus.listParents();
    const members = poolEntries(txn.ledger, def.name).length;
    const old = storedOrDamaged(root, def.name, members > 0);
    if (old && old !== 'damaged' && members > 0) checkRedefineActive(old, def, parents, members, where);
    const candidates = checkPoolParents(def, parents, where);
    // an active pool's identical definition changes nothing: its members already hold the capacity
    if (members === 0) checkPoolFits(def, candidates, where);
    writePoolDefinition(root, def);
    return { def, replaced: old !== undefined };
  });
}

export async function undefinePool(root: HostRoot, name: string): Promise<PoolDefinition> {
  return withLedger(root, (txn) => {
    const def = readPoolDefinition(root, name);
    const members = poolEntries(txn.ledger, name).length;
    if (members > 0) {
      throw new VirtMdevError(ExitCode.FAILURE, 'pool-active',
        `pool '${name}' is active (${members} member${members === 1 ? '' : 's'} exist): run 'virt-mdev pool-destroy ${name}' first`);
    }
    removePoolDefinition(root, name);
    return def;
  });
}

export async function setPoolAutostart(root: HostRoot, name: string, on: boolean): Promise<void> {
  await withLedger(root, () => {
    readPoolDefinition(root, name);
    setAutostartLink(root, name, on);
  });
}
