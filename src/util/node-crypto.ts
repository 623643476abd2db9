// node:crypto, loaded the first time it is used. Loading it costs a process about a tenth of Node's
// own start-up, and the modules the hook imports name it only for rare paths (a fallback lock file,
// a UUID made up for a hostdev without one, a pool member's UUID): a prepare or release of managed
// devices never needs it.
import { createRequire } from 'node:module';

type NodeCrypto = typeof import('node:crypto');

let loaded: NodeCrypto | undefined;

export function nodeCrypto(): NodeCrypto {
  loaded ??= createRequire(import.meta.url)('node:crypto') as NodeCrypto;
  return loaded;
}
