// The pieces of `virt-mdev metrics` on their own: escaping in the exposition, and counting the hook
// log from a bounded window that restarts at fixed boundaries (so counts only grow between resets).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { escapeLabelValue, formatExposition } from '../../src/metrics/exposition.js';
import { countHookLog, readHookLogWindow } from '../../src/metrics/hook-log.js';
import { parseExposition, promtoolCheck } from './helpers.js';

test('label values and HELP are escaped as the exposition format says; promtool reads them back', async (t) => {
  const odd = 'GRID "A100" \\ 4C\nsecond line';
  t.is(escapeLabelValue(odd), 'GRID \\"A100\\" \\\\ 4C\\nsecond line');
  const text = formatExposition([
    { name: 'virt_mdev_type_info', type: 'gauge', help: 'a \\ b\nc "quoted"', samples: [{ labels: { parent: 'p', name: odd }, value: 1 }] },
    { name: 'virt_mdev_hook_outcomes_total', type: 'counter', help: 'x', samples: [{ labels: { operation: 'prepare', reason: 'ok' }, value: 3 }] },
  ]);
  t.is(text, [
    '# HELP virt_mdev_type_info a \\\\ b\\nc "quoted"',
    '# TYPE virt_mdev_type_info gauge',
    'virt_mdev_type_info{parent="p",name="GRID \\"A100\\" \\\\ 4C\\nsecond line"} 1',
    '# HELP virt_mdev_hook_outcomes_total x',
    '# TYPE virt_mdev_hook_outcomes_total counter',
    'virt_mdev_hook_outcomes_total{operation="prepare",reason="ok"} 3',
    '',
  ].join('\n'));
  t.is(parseExposition(text)[0]!.labels.name, odd);
  const check = await promtoolCheck(t, text);
  if (check) t.is(check.exitCode, 0, check.output);
  t.throws(() => formatExposition([{ name: 'bad-name', type: 'gauge', help: '', samples: [] }]));
  t.throws(() => formatExposition([{ name: 'x', type: 'gauge', help: '', samples: [{ labels: { 'bad-label': '' }, value: 1 }] }]));
});

function line(op: string, action: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ time: '2025-06-01T10:00:00.000Z', pid: 1, domain: 'vm', op, action, ...extra }) + '\n';
}

test('hook log: outcomes by operation and reason, actions by operation; odd lines and odd values never become labels', (t) => {
  const c = countHookLog([
    line('prepare', 'create'), line('prepare', 'create'), line('prepare', 'prepare-done'),
    line('prepare', 'prepare-failed', { reason: 'no-capacity' }), line('release', 'release-done'), line('gc', 'gc-remove'),
    line('prepare', 'prepare-failed', { reason: 'a "quoted" {reason}' }), line('', 'hook-failed', { reason: 'no-root' }),
    'not json', '[1,2]', '{"op":"prepare"}',
  ].map((l) => l.replace(/\n$/, '')));
  t.deepEqual(Object.fromEntries(c.outcomes), { 'prepare\tok': 1, 'prepare\tno-capacity': 1, 'release\tok': 1, 'prepare\tother': 1, 'hook\tno-root': 1 });
  t.deepEqual(Object.fromEntries(c.actions), { 'prepare\tcreate': 2, 'gc\tgc-remove': 1 });
  t.is(c.unparsed, 3);
  t.is(c.since, '2025-06-01T10:00:00.000Z');
});

test('hook log window: only whole lines from the last window boundary; counts grow until the next boundary, then restart', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const file = path.join(d.dir, 'hook.log');
  t.is(readHookLogWindow(file, 1000), undefined, 'no log yet');
  const l = line('prepare', 'create');
  const perWindow = Math.floor(1000 / l.length);
  let last = -1;
  const counts: number[] = [];
  for (let i = 0; i < perWindow * 3; i++) {
    fs.appendFileSync(file, l);
    const w = readHookLogWindow(file, 1000)!;
    const n = countHookLog(w.lines).actions.get('prepare\tcreate') ?? 0;
    t.is(countHookLog(w.lines).unparsed, 0, 'a line cut by the boundary is dropped, not miscounted');
    if (n < last) counts.push(last);
    last = n;
  }
  const size = fs.statSync(file).size;
  const w = readHookLogWindow(file, 1000)!;
  t.is(w.start, Math.floor(size / 1000) * 1000);
  t.true(counts.length >= 2, 'restarted at each boundary');
  t.true(counts.every((n) => n <= perWindow + 1), 'never more than a window holds');
  // a line still being written (no line feed yet) is not counted
  fs.appendFileSync(file, l.slice(0, 20));
  t.is(readHookLogWindow(file, 1000)!.lines.length, w.lines.length);
});
