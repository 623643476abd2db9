// `validate` with a host root: for a domain document, what `transform --root` would warn about on
// that host (types, parents, device_api, capacity, pools), as notes. Other documents get none.
import type { HostRoot } from '../host/root.js';
import { openMdevBus } from '../mdevbus/bus.js';
import { checkPlanAgainstHost, hostPools } from './host-check.js';
import { transformDomainXml } from './transform.js';

export function domainHostNotes(root: HostRoot): (file: string, data: Buffer) => string[] {
  const bus = openMdevBus(root);
  const pools = hostPools(root);
  return (file, data) => {
    let devices;
    try {
      devices = transformDomainXml(data.toString('utf8'), file).devices;
    } catch {
      return []; // not a domain, or not one transform reads: the schemas have said what is wrong
    }
    return checkPlanAgainstHost(devices, bus, file, pools).map((w) => {
      const m = /^(\d+): ([^]*)$/.exec(w.startsWith(`${file}:`) ? w.slice(file.length + 1) : w);
      return m ? `line ${m[1]}, on host ${root.dir}: ${m[2]}` : `on host ${root.dir}: ${w}`;
    });
  };
}
