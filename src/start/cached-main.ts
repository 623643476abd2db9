// The main file of each CommonJS bundle that Node starts most (scripts/bundles.ts CODE_CACHED_ENTRIES:
// the hook, plain validate): it runs that bundle's code, built beside it as
// `<name>.body.cjs`, from a V8 code cache (src/util/code-cache.ts). Built as CommonJS only.
import * as path from 'node:path';
import { runWithCodeCache } from '../util/code-cache.js';

/** the body's file name, set by the build */
declare const VIRT_MDEV_BODY: string;
/** set by the build: the argv index of the word that picks a cache of its own (the hook's operation), or -1 */
declare const VIRT_MDEV_CACHE_BY_ARGV: number;

const word = VIRT_MDEV_CACHE_BY_ARGV < 0 ? '' : process.argv[VIRT_MDEV_CACHE_BY_ARGV] ?? '';
runWithCodeCache(path.join(__dirname, VIRT_MDEV_BODY), module, require, /^[a-z]{1,16}$/.test(word) ? word : '');
