// Prometheus' text exposition format (version 0.0.4), the format node_exporter's textfile collector
// reads: `# HELP`, `# TYPE`, then one sample per line. Label values and HELP text are escaped as the
// format requires, so any name a host or a log holds is carried safely.

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped (a quote is literal there). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatSample(name: string, s: Sample): string {
  const labels = Object.entries(s.labels);
  for (const [k] of labels) if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`metric ${name}: label name '${k}' is not valid`);
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${body ? `{${body}}` : ''} ${formatValue(s.value)}\n`;
}

/** The whole exposition: families in the order given, each family's samples in the order given. */
export function formatExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`metric name '${f.name}' is not valid`);
    if (seen.has(f.name)) throw new Error(`metric ${f.name} appears twice`);
    seen.add(f.name);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += formatSample(f.name, s);
  }
  return out;
}
