// Where this installation's own files are. The code runs in one of two built layouts: tsc's
// `<package>/dist/src/<area>/<file>.js` (a checkout's tests) and the bundles' `<package>/dist/app/*.mjs`
// with their chunks in `dist/app/chunks/` and `*.cjs` (what ships: `npm pack`, the Debian package, the hook).
// Both keep `<package>/schemas`, `<package>/hooks` and `<package>/samples` beside `dist/`, so every
// path is derived here from this module's own URL, and nowhere else.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** replaced by `true` when scripts/bundle.ts bundles this module; undeclared (typeof 'undefined') under tsc */
declare const VIRT_MDEV_BUNDLE: boolean | undefined;

const bundled = typeof VIRT_MDEV_BUNDLE !== 'undefined' && VIRT_MDEV_BUNDLE;

interface Layout {
  /** `<package>/dist/app`: a bundle's entry lives there, its shared chunks one level down */
  appDir: string;
  /** the installation's top: `dist/app/../..` for a bundle, `dist/src/<area>/../../..` under tsc */
  packageRoot: string;
}

let layout: Layout | undefined;

/** worked out when first asked (most runs of the hook and the node-device reports never ask) */
function layoutNow(): Layout {
  if (layout) return layout;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const appDir = path.basename(here) === 'chunks' ? path.dirname(here) : here;
  layout = { appDir, packageRoot: bundled ? path.resolve(appDir, '../..') : path.resolve(here, '../../..') };
  return layout;
}

/** the installation's top directory */
export function packageRoot(): string {
  return layoutNow().packageRoot;
}

/** a file that ships beside dist/: `schemas/x.rng`, `hooks/qemu`, `samples/…` */
export function packageFile(rel: string): string {
  return path.join(packageRoot(), rel);
}

/** The Node entry points virt-mdev starts as processes of their own, in either layout. */
const ENTRIES = {
  cli: { bundle: 'virt-mdev.mjs', tsc: 'cli/main.js' },
  hook: { bundle: 'hook.cjs', tsc: 'hook/main.js' },
  'remove-child': { bundle: 'remove-child.cjs', tsc: 'mdevbus/remove-child.js' },
  'late-types-timer': { bundle: 'late-types-timer.cjs', tsc: 'simhost/late-types-timer.js' },
} as const;

export type EntryName = keyof typeof ENTRIES;

/** the bundle's file name in dist/app: `hook.cjs`, … */
export function bundleName(name: EntryName): string {
  return ENTRIES[name].bundle;
}

/** the entry as this very layout has it: a bundle starts bundles, tsc's output starts tsc's output */
export function entryScript(name: EntryName): string {
  return bundled ? path.join(layoutNow().appDir, ENTRIES[name].bundle) : path.join(packageRoot(), 'dist/src', ENTRIES[name].tsc);
}

/**
 * The bundled entry, whichever layout runs now: what installed files (the hook, systemd units)
 * name, since the bundles are what an installation runs and what `npm pack` ships.
 */
export function shippedEntry(name: EntryName): string {
  return path.join(packageRoot(), 'dist/app', ENTRIES[name].bundle);
}
