// Names what is wrong with an mdev hostdev or our metadata, at the element or attribute that is
// wrong. libxml2's RelaxNG messages for a choice of forms are unhelpful ("Element domain has extra
// content: name"), so when schemas/domain-mdev.rng rejects a document, these checks (the same rules,
// in words) say where and what to do. The schema stays the judge: these run only after it failed.
import { VIRT_MDEV_NS } from '../domainxml/namespace.js';
import { checkParentName, checkPoolName, checkTypeId, isUuid, printable } from '../util/validate.js';
import { attrOf, childrenNamed, walk, type ScannedAttr, type ScannedElement } from './scan.js';

export { VIRT_MDEV_NS };
const MODELS = ['vfio-pci', 'vfio-ccw', 'vfio-ap'];
/** the discussion's first form names the guest bus in the hostdev type */
const MODEL_OF_GUEST_TYPE: Record<string, string> = { pci: 'vfio-pci', ccw: 'vfio-ccw', ap: 'vfio-ap' };

export interface Problem {
  line: number;
  col: number;
  message: string;
}

/** An mdev hostdev: type='mdev', or a <source> that holds an <mdev> (the authoring forms). */
export function isMdevHostdev(el: ScannedElement): boolean {
  if (el.name !== 'hostdev' || el.ns !== '') return false;
  if (attrOf(el, 'type')?.value === 'mdev') return true;
  return childrenNamed(el, 'source').some((s) => childrenNamed(s, 'mdev').length > 0);
}

/** An authoring form: not libvirt XML until `virt-mdev transform` has rewritten it. */
export function isAuthoringHostdev(el: ScannedElement): boolean {
  return el.name === 'hostdev' && el.ns === '' && childrenNamed(el, 'source').some((s) => childrenNamed(s, 'mdev').length > 0);
}

export function explainDomain(root: ScannedElement): Problem[] {
  const out: Problem[] = [];
  for (const el of walk(root)) {
    if (isMdevHostdev(el)) explainHostdev(el, out);
    else if (el.ns === VIRT_MDEV_NS && el.parent?.ns !== VIRT_MDEV_NS) {
      if (el.name === 'mdev') explainMetadata(el, out);
      else at(out, el, `unknown element <${el.qname}> in virt-mdev's namespace: only <virt-mdev:mdev> is defined there`);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** At an element, or at an attribute's name (the attribute should not be there). */
export function at(out: Problem[], where: ScannedElement | ScannedAttr, message: string): void {
  out.push({ line: where.line, col: where.col, message });
}

/** At an attribute's value (the value is wrong), as transform reports it. */
export function atValue(out: Problem[], a: ScannedAttr, message: string): void {
  out.push({ line: a.vline, col: a.vcol, message });
}

const q = (s: string): string => `'${printable(s)}'`;

function onlyAttrs(out: Problem[], el: ScannedElement, allowed: string[], what: string): void {
  for (const a of el.attrs) {
    if (a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
    if (!allowed.includes(a.qname)) {
      at(out, a, `unexpected attribute ${a.qname}= on ${what}: ${allowed.length ? `allowed are ${allowed.join(', ')}` : 'it takes none'}`);
    }
  }
}

function noChildren(out: Problem[], el: ScannedElement): void {
  for (const c of el.children) at(out, c, `<${el.qname}> must be empty: remove <${c.qname}>`);
}

function oneOf(out: Problem[], a: ScannedAttr | undefined, values: string[], what: string): void {
  if (a && !values.includes(a.value)) atValue(out, a, `${a.qname}=${q(a.value)} ${what}: use ${values.map((v) => `'${v}'`).join(' or ')}`);
}

function pattern(out: Problem[], a: ScannedAttr | undefined, re: RegExp, hint: string): void {
  if (a && !re.test(a.value)) atValue(out, a, `${a.qname}=${q(a.value)} is not valid: ${hint}`);
}

function viaCheck(out: Problem[], a: ScannedAttr | undefined, check: (s: string) => unknown): void {
  if (!a) return;
  try {
    check(a.value);
  } catch (e) {
    atValue(out, a, (e as Error).message);
  }
}

function uuidAttr(out: Problem[], a: ScannedAttr | undefined): void {
  if (a && !isUuid(a.value)) {
    atValue(out, a, `uuid ${q(a.value)} is not a UUID: use 8-4-4-4-12 hex digits, e.g. 0b2f5a3e-6c1d-4e8f-9a7b-1c2d3e4f5a6b`);
  }
}

const HEX_OR_DEC = /^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/;
const POSITIVE = /^\+?0*[1-9][0-9]*$/;

function explainHostdev(h: ScannedElement, out: Problem[]): void {
  const what = 'an mdev <hostdev>';
  onlyAttrs(out, h, ['mode', 'type', 'managed', 'model', 'display', 'ramfb'], what);
  const children = ['source', 'address', 'boot', 'alias', 'acpi', 'rom'];
  const seen = new Set<string>();
  for (const c of h.children) {
    if (c.ns !== '' || !children.includes(c.name)) {
      at(out, c, `unexpected <${c.qname}> in ${what}: allowed are ${children.map((n) => `<${n}>`).join(', ')}`);
    } else if (seen.has(c.name)) {
      at(out, c, `${what} has more than one <${c.name}>: keep one`);
    }
    seen.add(c.name);
  }

  const mode = attrOf(h, 'mode');
  const type = attrOf(h, 'type');
  const managed = attrOf(h, 'managed');
  const model = attrOf(h, 'model');
  if (mode && mode.value !== 'subsystem') atValue(out, mode, `mode=${q(mode.value)} is not valid for ${what}: use mode='subsystem' or leave it out`);
  oneOf(out, managed, ['yes', 'no'], 'is not valid');
  oneOf(out, model, MODELS, 'is not an mdev model');

  const source = childrenNamed(h, 'source')[0];
  let form: 'libvirt' | 'rfc' | 'managed' | undefined;
  if (!source) {
    at(out, h, `${what} has no <source>: add <source><address uuid='…'/></source>, or <source><mdev type='…'/></source> with managed='yes'`);
  } else {
    onlyAttrs(out, source, [], '<source> of an mdev hostdev');
    const inner = source.children;
    if (inner.length === 0) {
      at(out, source, `<source> is empty: add <address uuid='…'/> (an existing mdev) or, with managed='yes', <mdev type='…'/> (one to create)`);
    }
    for (const extra of inner.slice(1)) at(out, extra, `<source> of an mdev hostdev holds exactly one element: remove <${extra.qname}>`);
    const el = inner[0];
    if (el && el.ns === '' && el.name === 'address') {
      form = 'libvirt';
      onlyAttrs(out, el, ['uuid'], "<source><address> of an mdev (libvirt's form)");
      if (!attrOf(el, 'uuid')) at(out, el, `<address> in <source> needs uuid='…' naming the mdev`);
      uuidAttr(out, attrOf(el, 'uuid'));
      noChildren(out, el);
      if (type && type.value !== 'mdev') at(out, type, `type=${q(type.value)} with <source><address uuid>: libvirt's mdev form needs type='mdev'`);
      if (!model) at(out, h, `libvirt's mdev <hostdev> needs model='vfio-pci', 'vfio-ccw' or 'vfio-ap'`);
    } else if (el && el.ns === '' && el.name === 'mdev') {
      noChildren(out, el);
      uuidAttr(out, attrOf(el, 'uuid'));
      if (managed?.value === 'yes') {
        form = 'managed';
        onlyAttrs(out, el, ['uuid', 'type', 'parent', 'pool'], '<source><mdev> of a managed hostdev');
        viaCheck(out, attrOf(el, 'type'), (s) => checkTypeId(s));
        viaCheck(out, attrOf(el, 'parent'), (s) => checkParentName(s));
        viaCheck(out, attrOf(el, 'pool'), (s) => checkPoolName(s));
        if (!attrOf(el, 'type') && !attrOf(el, 'pool')) {
          at(out, el, `managed <mdev> names neither type nor pool: add type='TYPE-ID' (e.g. nvidia-63) or pool='NAME'`);
        }
      } else {
        form = 'rfc';
        const asksToCreate = ['type', 'parent', 'pool'].some((n) => attrOf(el, n));
        if (!attrOf(el, 'uuid') && !asksToCreate) at(out, el, `<mdev> needs uuid='…' naming an existing mdev, or add managed='yes' to the <hostdev> and type='…' to have one created`);
        const request = el.attrs.filter((a) => ['type', 'parent', 'pool'].includes(a.qname)).map((a) => a.qname);
        if (request.length > 0) {
          // point at what to change: the managed attribute, or the hostdev that lacks one
          const msg = `<mdev ${request.join('/')}=…> asks virt-mdev to create the device: add managed='yes' to the <hostdev> (or give only uuid='…' for an existing device)`;
          if (managed) atValue(out, managed, msg);
          else at(out, h, msg);
        }
        onlyAttrs(out, el, ['uuid', 'type', 'parent', 'pool'], '<source><mdev>');
      }
      if (type && type.value !== 'mdev' && !(type.value in MODEL_OF_GUEST_TYPE)) {
        atValue(out, type, `type=${q(type.value)} is not valid with <source><mdev>: use type='mdev', or the guest bus the device appears on: 'pci', 'ccw' or 'ap'`);
      }
    } else if (el) {
      at(out, el, `unexpected <${el.qname}> in <source>: use <address uuid='…'/> (libvirt's form) or <mdev …/> (authoring forms)`);
    }
  }
  if (!type) at(out, h, `${what} needs type='mdev'`);

  // the guest side: what the model allows
  const address = childrenNamed(h, 'address')[0];
  const addrType = address ? attrOf(address, 'type')?.value : undefined;
  let effective = model && MODELS.includes(model.value) ? model.value : undefined;
  const byType = type && form !== 'libvirt' ? MODEL_OF_GUEST_TYPE[type.value] : undefined;
  if (!model) effective = byType ?? (addrType === 'ccw' ? 'vfio-ccw' : 'vfio-pci');
  if (byType && model && model.value !== byType) {
    atValue(out, model, `type='${type!.value}' names the guest side as ${type!.value}: model must be '${byType}' or left out`);
  }
  const why = model ? `model is ${effective}` : `no model, so ${effective}`;
  for (const name of ['display', 'ramfb']) {
    const a = attrOf(h, name);
    oneOf(out, a, ['on', 'off'], 'is not valid');
    if (a && effective && effective !== 'vfio-pci') at(out, a, `${name}= is only supported with model='vfio-pci' (${why}): remove it`);
  }
  if (address && effective) {
    if (effective === 'vfio-ap') {
      at(out, address, `a vfio-ap mdev has no guest address: remove this <address>`);
    } else {
      const want = effective === 'vfio-ccw' ? 'ccw' : 'pci';
      if (addrType !== want) {
        at(out, address, `guest <address type=${q(addrType ?? '')}> does not fit ${why}: use <address type='${want}' …/> or leave it out`);
      } else if (want === 'pci') {
        onlyAttrs(out, address, ['type', 'domain', 'bus', 'slot', 'function', 'multifunction'], "a PCI guest <address>");
        for (const n of ['domain', 'bus', 'slot', 'function']) pattern(out, attrOf(address, n), HEX_OR_DEC, 'use 0x-prefixed hex or decimal, e.g. 0x05');
        oneOf(out, attrOf(address, 'multifunction'), ['on', 'off'], 'is not valid');
        for (const c of address.children) {
          if (c.name !== 'zpci' || c.ns !== '') at(out, c, `unexpected <${c.qname}> in a PCI guest <address>`);
        }
      } else {
        onlyAttrs(out, address, ['type', 'cssid', 'ssid', 'devno'], "a CCW guest <address>");
        for (const n of ['cssid', 'ssid', 'devno']) pattern(out, attrOf(address, n), HEX_OR_DEC, 'use 0x-prefixed hex, e.g. 0xfe');
        noChildren(out, address);
      }
    }
  }
  const boot = childrenNamed(h, 'boot')[0];
  if (boot) {
    if (effective && effective !== 'vfio-ccw') at(out, boot, `<boot> is only supported for vfio-ccw mdevs (${why}): libvirt refuses to boot from it`);
    onlyAttrs(out, boot, ['order', 'loadparm'], '<boot>');
    if (!attrOf(boot, 'order')) at(out, boot, `<boot> needs order='N'`);
    pattern(out, attrOf(boot, 'order'), POSITIVE, 'use a positive integer');
    pattern(out, attrOf(boot, 'loadparm'), /^[a-zA-Z0-9.\s]{1,8}$/, 'use up to 8 letters, digits, dots or spaces');
  }
  const alias = childrenNamed(h, 'alias')[0];
  if (alias) {
    onlyAttrs(out, alias, ['name'], '<alias>');
    if (!attrOf(alias, 'name')) at(out, alias, `<alias> needs name='…'`);
    pattern(out, attrOf(alias, 'name'), /^[A-Za-z0-9_-]{1,64}$/, "use letters, digits, '_' and '-' (e.g. hostdev0 or ua-vgpu0)");
  }
  const acpi = childrenNamed(h, 'acpi')[0];
  if (acpi) {
    onlyAttrs(out, acpi, ['index'], '<acpi>');
    if (!attrOf(acpi, 'index')) at(out, acpi, `<acpi> needs index='N'`);
    pattern(out, attrOf(acpi, 'index'), POSITIVE, 'use a positive integer');
  }
  const rom = childrenNamed(h, 'rom')[0];
  if (rom) {
    onlyAttrs(out, rom, ['bar', 'file', 'enabled'], '<rom>');
    oneOf(out, attrOf(rom, 'bar'), ['on', 'off'], 'is not valid');
    oneOf(out, attrOf(rom, 'enabled'), ['yes', 'no'], 'is not valid');
    pattern(out, attrOf(rom, 'file'), /^\//, 'use an absolute path');
  }
}

/** The guest model a (schema-valid) mdev hostdev gets: model=, else the hostdev's guest type, else its guest address, else vfio-pci. */
export function effectiveModel(h: ScannedElement): string {
  const model = attrOf(h, 'model')?.value;
  if (model) return model;
  const type = attrOf(h, 'type')?.value;
  if (type && MODEL_OF_GUEST_TYPE[type]) return MODEL_OF_GUEST_TYPE[type]!;
  const address = childrenNamed(h, 'address')[0];
  return address && attrOf(address, 'type')?.value === 'ccw' ? 'vfio-ccw' : 'vfio-pci';
}

function explainMetadata(m: ScannedElement, out: Problem[]): void {
  onlyAttrs(out, m, [], '<virt-mdev:mdev>');
  for (const d of m.children) {
    if (d.ns !== VIRT_MDEV_NS || d.name !== 'device') {
      at(out, d, `unexpected <${d.qname}> in <${m.qname}>: it holds only <device uuid='…' type='…' [parent='…'] [pool='…']/> in virt-mdev's namespace`);
      continue;
    }
    onlyAttrs(out, d, ['uuid', 'type', 'parent', 'pool'], `<${d.qname}>`);
    noChildren(out, d);
    if (!attrOf(d, 'uuid')) at(out, d, `<${d.qname}> needs uuid='…' (the mdev hostdev it belongs to)`);
    uuidAttr(out, attrOf(d, 'uuid'));
    if (!attrOf(d, 'type') && !attrOf(d, 'pool')) at(out, d, `<${d.qname}> names neither type nor pool: run virt-mdev transform to regenerate it`);
    viaCheck(out, attrOf(d, 'type'), (s) => checkTypeId(s));
    viaCheck(out, attrOf(d, 'parent'), (s) => checkParentName(s));
    viaCheck(out, attrOf(d, 'pool'), (s) => checkPoolName(s));
  }
}
