// Rules libvirt enforces across a whole domain when it defines or starts it, which no RelaxNG
// schema can say: one hostdev per mdev UUID, one ramfb='on', one vfio-ap device, a <graphics> for
// display='on'. Run after the schemas accepted the document, so every hostdev here is well-formed.
import { attrOf, childrenNamed, walk, type ScannedElement } from './scan.js';
import { VIRT_MDEV_NS, at, atValue, effectiveModel, isMdevHostdev, type Problem } from './explain.js';

function uuidOf(h: ScannedElement) {
  const source = childrenNamed(h, 'source')[0];
  const inner = source?.children[0];
  return inner ? attrOf(inner, 'uuid') : undefined;
}

const canonical = (u: string): string => u.replace(/-/g, '').toLowerCase();

export function domainRules(root: ScannedElement): Problem[] {
  const out: Problem[] = [];
  const hostdevs = walk(root).filter(isMdevHostdev);
  const byUuid = new Map<string, ScannedElement>();
  let ramfbOn: ScannedElement | undefined;
  let ap: ScannedElement | undefined;
  const hasGraphics = childrenNamed(root, 'devices').some((d) => childrenNamed(d, 'graphics').length > 0);
  for (const h of hostdevs) {
    const u = uuidOf(h);
    if (u) {
      const first = byUuid.get(canonical(u.value));
      if (first) {
        atValue(out, u, `mdev UUID ${u.value} is already used by the <hostdev> at line ${first.line}: one hostdev per mdev (libvirt: "Hostdev already exists")`);
      } else byUuid.set(canonical(u.value), h);
    }
    const ramfb = attrOf(h, 'ramfb');
    if (ramfb?.value === 'on') {
      if (ramfbOn) atValue(out, ramfb, `a second ramfb='on' (the first is on the <hostdev> at line ${ramfbOn.line}): libvirt allows only one vGPU with ramfb`);
      else ramfbOn = h;
    }
    if (effectiveModel(h) === 'vfio-ap') {
      if (ap) at(out, h, `a second vfio-ap mdev (the first is at line ${ap.line}): libvirt supports only one hostdev of model vfio-ap`);
      else ap = h;
    }
    const display = attrOf(h, 'display');
    if (display?.value === 'on' && !hasGraphics) {
      atValue(out, display, `display='on' needs a <graphics> device (vnc, spice or egl-headless) in <devices>: add one or set display='off'`);
    }
  }
  // one metadata entry per UUID: the hook would not know which request to honour
  for (const m of walk(root)) {
    if (m.ns !== VIRT_MDEV_NS || m.name !== 'mdev') continue;
    const seen = new Map<string, ScannedElement>();
    for (const d of m.children) {
      const u = attrOf(d, 'uuid');
      if (!u) continue;
      const first = seen.get(canonical(u.value));
      if (first) atValue(out, u, `a second <${d.qname}> for UUID ${u.value} (the first is at line ${first.line}): keep one; virt-mdev transform rewrites these entries`);
      else seen.set(canonical(u.value), d);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
