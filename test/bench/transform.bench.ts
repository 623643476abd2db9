// transform of a 100- and a 1,000-hostdev domain: time per run and how it grows (should be ~linear,
// i.e. a ratio near 10). Also the parse alone, which is what the hook pays at every prepare.
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { transformDomainXml } from '../../src/transform/transform.js';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A domain with n mdev hostdevs cycling through the four forms, each on its own guest PCI slot. */
export function bigDomain(n: number): string {
  const devs: string[] = [];
  for (let i = 0; i < n; i++) {
    const bus = hex(1 + Math.floor(i / 32), 2);
    const slot = hex(i % 32, 2);
    const addr = `<address type='pci' domain='0x0000' bus='0x${bus}' slot='0x${slot}' function='0x0'/>`;
    const uuid = `${hex(i, 8)}-aaaa-4bbb-8ccc-${hex(i, 12)}`;
    switch (i % 4) {
      case 0: devs.push(`    <hostdev mode='subsystem' type='mdev' managed='yes'>\n      <source>\n        <mdev type='nvidia-63' parent='0000:41:00.0'/>\n      </source>\n      ${addr}\n    </hostdev>`); break;
      case 1: devs.push(`    <hostdev mode='subsystem' type='pci' managed='no'>\n      <source>\n        <mdev uuid='${uuid}'/>\n      </source>\n      ${addr}\n    </hostdev>`); break;
      case 2: devs.push(`    <hostdev mode='subsystem' type='mdev'>\n      <source>\n        <mdev uuid='${uuid}'/>\n      </source>\n      ${addr}\n    </hostdev>`); break;
      default: devs.push(`    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>\n      <source>\n        <address uuid='${uuid}'/>\n      </source>\n      ${addr}\n    </hostdev>`);
    }
  }
  return `<domain type='kvm'>\n  <name>bench-${n}</name>\n  <uuid>0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b</uuid>\n  <memory unit='KiB'>4194304</memory>\n  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n  <devices>\n${devs.join('\n')}\n  </devices>\n</domain>\n`;
}

/**
 * CPU milliseconds per call (process.cpuUsage, so other load on the machine counts less than with
 * wall-clock time), over enough calls to fill about `budgetMs` of CPU after a warm-up.
 */
function time(f: () => void, budgetMs = 600): number {
  const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let calls = 0;
  const w0 = cpu();
  while (cpu() - w0 < budgetMs / 4 || calls < 3) { f(); calls++; }
  let n = 0;
  const t0 = cpu();
  while (cpu() - t0 < budgetMs || n < 5) { f(); n++; }
  return (cpu() - t0) / n;
}

export async function run(): Promise<void> {
  const results: Record<number, { transform: number; parse: number; bytes: number }> = {};
  for (const n of [100, 1000]) {
    const text = bigDomain(n);
    const out = transformDomainXml(text, `bench-${n}.xml`);
    if (transformDomainXml(out.output).changed) throw new Error('bench domain: transform is not idempotent');
    results[n] = {
      transform: time(() => transformDomainXml(text)),
      parse: time(() => parseDomainXml(text)),
      bytes: Buffer.byteLength(text),
    };
    process.stdout.write(`transform ${String(n).padStart(5)} hostdevs (${(results[n].bytes / 1024).toFixed(0)} KiB): ` +
      `${results[n].transform.toFixed(2)} ms CPU (parse alone ${results[n].parse.toFixed(2)} ms)\n`);
  }
  const ratio = results[1000].transform / results[100].transform;
  const parseRatio = results[1000].parse / results[100].parse;
  process.stdout.write(`growth 100 → 1,000 hostdevs: transform ×${ratio.toFixed(1)}, parse ×${parseRatio.toFixed(1)} (×10 is linear)\n`);
}
