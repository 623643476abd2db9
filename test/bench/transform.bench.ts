// transform's work alone (in process, CPU time) on 100-, 1,000- and 10,000-hostdev domains: how it
// grows with the input. Linear is ×10 per decade; the goal allows ×11 from 1,000 to 10,000. Sizes
// are measured interleaved, several rounds, so that a slow moment hits every size alike.
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { transformDomainXml } from '../../src/transform/transform.js';
import { ratioRow, type BenchReport } from './table.js';

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

/** CPU ms per call (process.cpuUsage: other load on the machine counts less than wall-clock time). */
function time(f: () => void, budgetMs: number): number {
  const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let n = 0;
  const t0 = cpu();
  while (cpu() - t0 < budgetMs || n < 3) { f(); n++; }
  return (cpu() - t0) / n;
}

export async function run(): Promise<BenchReport> {
  const sizes = [100, 1000, 10000];
  const texts = new Map(sizes.map((n) => [n, bigDomain(n)]));
  for (const [n, text] of texts) {
    const out = transformDomainXml(text, `bench-${n}.xml`);
    if (transformDomainXml(out.output).changed) throw new Error(`bench domain of ${n}: transform is not idempotent`);
    time(() => transformDomainXml(text), 100); // warm-up (JIT)
  }
  // a garbage collection falling into one size's turn moves that round's ratio by up to ±30%: 14 rounds (default)
  const rounds = Math.max(5, Math.round((Number(process.env.BENCH_RUNS ?? 21) * 2) / 3));
  const t = new Map(sizes.map((n) => [n, [] as number[]]));
  const p = new Map(sizes.map((n) => [n, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    for (const n of sizes) {
      const text = texts.get(n)!;
      t.get(n)!.push(time(() => transformDomainXml(text), 150));
      p.get(n)!.push(time(() => parseDomainXml(text), 100));
    }
  }
  return {
    rows: [
      ratioRow('transform 1,000 → 10,000 hostdevs (work only)', 'transform of 1,000', t.get(10000)!, t.get(1000)!, { goal: { op: '<=', value: 11 }, unit: 'ms CPU' }),
      ratioRow('transform 100 → 1,000 hostdevs', 'transform of 100', t.get(1000)!, t.get(100)!, { unit: 'ms CPU' }),
      ratioRow('parse 1,000 → 10,000 hostdevs', 'parse of 1,000', p.get(10000)!, p.get(1000)!, { unit: 'ms CPU' }),
    ],
    notes: [],
  };
}
