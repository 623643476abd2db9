// Shared by the metrics tests: the exposition read back as samples, and `promtool check metrics`
// (Debian's prometheus package), which CI must have and a developer's machine may lack.
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';

export interface ParsedSample { name: string; labels: Record<string, string>; value: number }

/** Samples of an exposition; label values unescaped (only what formatExposition writes is understood). */
export function parseExposition(text: string): ParsedSample[] {
  const out: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of name whose labels include these; undefined when there is none. */
export function value(samples: ParsedSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}

/**
 * `promtool check metrics` on text: its exit code and output, or undefined when promtool is missing
 * (the test then fails under CI=1, where .ci/run installs it, and is skipped with a note elsewhere).
 */
export async function promtoolCheck(t: ExecutionContext, text: string): Promise<{ exitCode: number; output: string } | undefined> {
  const r = await execa('promtool', ['check', 'metrics'], { input: text, reject: false, all: true });
  if (r.failed && (r as { code?: string }).code === 'ENOENT') {
    if (process.env.CI) t.fail('promtool is missing: install Debian\'s prometheus package (.ci/run does)');
    else t.log('promtool is not installed (Debian package prometheus): the exposition was not checked by it');
    return undefined;
  }
  return { exitCode: r.exitCode ?? -1, output: String(r.all ?? '') };
}
