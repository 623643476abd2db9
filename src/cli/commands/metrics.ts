// metrics: the host's mdev capacity, what virt-mdev owns, pools, definitions and hook outcomes in
// Prometheus' text format, printed or written for node_exporter's textfile collector (a timer runs
// it every minute: hooks/virt-mdev-metrics.timer).
import type { Command } from 'commander';
import { ExitCode } from '../../util/errors.js';
import { globals, hostRootOf, printJson } from '../context.js';

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description("print Prometheus metrics (text exposition format): instances available and in use per parent and type, owned devices, pools, definitions, hook outcomes")
    .option('--textfile [dir]', "write DIR/virt_mdev.prom atomically for node_exporter's textfile collector instead of printing (default DIR: <root>/var/lib/prometheus/node-exporter, Debian's)")
    .action(async (o: { textfile?: string | true }, cmd: Command) => {
      const [{ requireHostTree }, { openMdevBus }, { readMetricsSnapshot }, { metricFamilies, snapshotParts }, { formatExposition }, { writeTextfile }] = await Promise.all([
        import('../../nodedev/index.js'), import('../../mdevbus/bus.js'), import('../../metrics/snapshot.js'),
        import('../../metrics/families.js'), import('../../metrics/exposition.js'), import('../../metrics/textfile.js'),
      ]);
      const root = hostRootOf(cmd);
      requireHostTree(root);
      const json = globals(cmd).json === true;
      const snap = readMetricsSnapshot(root, openMdevBus(root));
      const families = metricFamilies(snap);
      const text = formatExposition(families);
      if (o.textfile !== undefined) {
        const file = writeTextfile(o.textfile === true ? root.textfileDir : o.textfile, text, o.textfile === true);
        if (json) printJson({ file, families: families.length });
      } else if (json) printJson(families);
      else process.stdout.write(text);
      // what could not be read is named; the rest is still written, with virt_mdev_metrics_collector_success 0
      const failed = snapshotParts(snap).flatMap(([part, p]) => (p.ok ? [] : [{ part, message: p.error }]));
      for (const f of failed) {
        process.stderr.write(json ? JSON.stringify({ warning: 'metrics-part-unreadable', part: f.part, message: f.message }) + '\n'
          : `virt-mdev: warning: metrics: ${f.part}: ${f.message}\n`);
      }
      if (failed.length > 0) process.exitCode = ExitCode.FAILURE;
    });
}
