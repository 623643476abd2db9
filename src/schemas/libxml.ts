// The one place that loads libxml2-wasm. It is heavy (a wasm module), so it is imported lazily
// by the commands that validate, never by the hook's hot path.
import type * as Libxml from 'libxml2-wasm';

export type LibxmlModule = typeof Libxml;

let loaded: Promise<LibxmlModule> | undefined;

export function loadLibxml(): Promise<LibxmlModule> {
  loaded ??= import('libxml2-wasm');
  return loaded;
}

/**
 * Parse options for every document we hand to libxml2: no entity substitution (NOENT is off), no
 * external DTD or entity loading (NO_XXE, no DTDLOAD), no network (NONET), and libxml2's normal
 * limits (no HUGE: nesting deeper than 256 levels is refused). BIG_LINES keeps line numbers true
 * past 65535. DOCTYPEs are refused before libxml2 sees the text (see src/validate/prolog.ts).
 */
export const SAFE_PARSE_OPTIONS = 2048 /* NONET */ | 8388608 /* NO_XXE */ | 4194304 /* BIG_LINES */;
