// Says in pool-define's own words what is wrong with a pool definition that schemas/pool.rng
// rejected: the same message and position `virt-mdev pool-define` gives, instead of libxml2's
// "Element size failed to validate content", and the rules RelaxNG cannot express (a parent named twice).
import { parsePoolXml } from '../pools/parse.js';
import { VirtMdevError } from '../util/errors.js';
import type { Problem } from './explain.js';

const SENTINEL = 'pool';

export function explainPool(text: string): Problem | undefined {
  try {
    parsePoolXml(text, SENTINEL);
    return undefined;
  } catch (e) {
    if (!(e instanceof VirtMdevError)) throw e;
    const m = /^pool:(\d+):(\d+): (.*)$/s.exec(e.message);
    if (m) return { line: Number(m[1]), col: Number(m[2]), message: m[3]! };
    return { line: 1, col: 1, message: e.message.startsWith(`${SENTINEL}: `) ? e.message.slice(SENTINEL.length + 2) : e.message };
  }
}
