// A domain's hostdevs as the parse keeps them: while saxes reads, only numbers (the element ids of
// each hostdev's parts, see ./element-table.ts); afterwards, records made from them on request.
import type { ElementTable } from './element-table.js';
import { IntList } from './int-list.js';
import type { AttrLoc, ElementLoc } from './scan.js';

/**
 * Where each hostdev sits in the text, parallel to DomainDoc.hostdevs. Each read of a field makes a
 * new record from the text: a large document keeps no records per hostdev while it is worked on.
 * Their attrs are (at least) those edits look at: the hostdev's type and model, the UUID and request of the
 * <source> child, a guest address's type.
 */
export interface HostdevLayout {
  readonly el: ElementLoc;
  readonly source?: ElementLoc;
  /** the <mdev> or <address> inside <source> */
  readonly sourceChild?: ElementLoc;
  readonly guestAddress?: ElementLoc;
  /** sourceChild's place and quote (its attributes may be left out) */
  readonly sourceChildPlace?: ElementLoc;
  /** one attribute of the <hostdev> start tag: made alone, without a record of the element */
  attr(name: 'type' | 'model'): AttrLoc | undefined;
}

/** A hostdev's parts; each list holds the first two only (enough to name the second in an error) */
export interface HostdevRaw {
  el: ElementLoc;
  sourceCount: number;
  /** where a second <source> starts */
  secondSource: number;
  /** children of the first <source> named mdev or address */
  sourceChildren: ElementLoc[];
  /** how many guest <address> children; where the first two start (-1: none); the first one's type= */
  guestAddressCount: number;
  guestAddressAt: number;
  secondGuestAddressAt: number;
  guestAddressType?: string;
}

// The attributes read of each kind of element (records carry only these; see ElementLoc.attrs)
export const NO_ATTRS: readonly string[] = [];
const HOSTDEV_ATTRS = ['type', 'mode', 'managed', 'model', 'display', 'ramfb'];
/** a <source> child and a metadata entry: the UUID and the create request */
export const DEVICE_ATTRS = ['uuid', 'type', 'parent', 'pool'];
const GUEST_ADDRESS_ATTRS = ['type'];
/** what transform looks at in the hostdev's start tag */
const EDITED_HOSTDEV_ATTRS = ['type', 'model'];
const TYPE_ONLY = ['type'];
const MODEL_ONLY = ['model'];
const PART_ATTRS: Record<number, readonly string[]> = {};

// A hostdev's parts while saxes reads, as numbers: the element ids of its first two <source>s,
// source children and guest <address>es, and how many there are of each.
const PART_EL = 0;
export const PART_SOURCES = 1;
export const PART_CHILDREN = 4;
export const PART_GUESTS = 7;
const PART_FIELDS = 10;
PART_ATTRS[PART_EL] = HOSTDEV_ATTRS;
PART_ATTRS[PART_SOURCES] = NO_ATTRS;
PART_ATTRS[PART_CHILDREN] = DEVICE_ATTRS;
PART_ATTRS[PART_GUESTS] = GUEST_ADDRESS_ATTRS;

export class HostdevParts {
  private readonly cols = new IntList();
  get count(): number { return this.cols.length / PART_FIELDS; }

  open(el: number): number {
    const h = this.count;
    this.cols.push(el);
    for (let i = 1; i < PART_FIELDS; i++) this.cols.push(i === PART_SOURCES || i === PART_CHILDREN || i === PART_GUESTS ? 0 : -1);
    return h;
  }

  /** `list` is PART_SOURCES, PART_CHILDREN or PART_GUESTS: a count, then the first two ids */
  add(h: number, list: number, id: number): void {
    const at = h * PART_FIELDS + list;
    const n = this.cols.get(at);
    if (n < 2) this.cols.set(at + 1 + n, id);
    this.cols.set(at, n + 1);
  }

  sources(h: number): number {
    return this.cols.get(h * PART_FIELDS + PART_SOURCES);
  }

  /** the element id of the hostdev (PART_EL), or of the first of a list; -1 when the list is empty */
  first(h: number, list: number): number {
    const at = h * PART_FIELDS + list;
    return list === PART_EL ? this.cols.get(at) : this.cols.get(at) > 0 ? this.cols.get(at + 1) : -1;
  }

  raw(h: number, table: ElementTable): HostdevRaw {
    const at = h * PART_FIELDS;
    const sourceCount = this.cols.get(at + PART_SOURCES);
    const guests = this.cols.get(at + PART_GUESTS);
    return {
      el: table.loc(this.cols.get(at + PART_EL), HOSTDEV_ATTRS),
      sourceCount,
      secondSource: sourceCount > 1 ? table.start(this.cols.get(at + PART_SOURCES + 2)) : -1,
      sourceChildren: this.locs(at + PART_CHILDREN, DEVICE_ATTRS, table),
      // no record of the guest address: the parse reads only where it is and its type
      guestAddressCount: guests,
      guestAddressAt: guests > 0 ? table.start(this.cols.get(at + PART_GUESTS + 1)) : -1,
      secondGuestAddressAt: guests > 1 ? table.start(this.cols.get(at + PART_GUESTS + 2)) : -1,
      guestAddressType: guests > 0 ? table.attr(this.cols.get(at + PART_GUESTS + 1), GUEST_ADDRESS_ATTRS)?.value : undefined,
    };
  }

  /** the records of a list at `at` (its count, then its first two ids), in an exact-size array */
  private locs(at: number, wanted: readonly string[], table: ElementTable): ElementLoc[] {
    const n = this.cols.get(at);
    if (n === 0) return [];
    const first = table.loc(this.cols.get(at + 1), wanted);
    return n === 1 ? [first] : [first, table.loc(this.cols.get(at + 2), wanted)];
  }
}

export class HostdevAt implements HostdevLayout {
  constructor(private readonly parts: HostdevParts, private readonly table: ElementTable, private readonly h: number) {}
  get el(): ElementLoc { return this.table.loc(this.parts.first(this.h, PART_EL), EDITED_HOSTDEV_ATTRS); }
  get source(): ElementLoc | undefined { return this.loc(PART_SOURCES); }
  get sourceChild(): ElementLoc | undefined { return this.loc(PART_CHILDREN); }
  get guestAddress(): ElementLoc | undefined { return this.loc(PART_GUESTS); }
  get sourceChildPlace(): ElementLoc | undefined { return this.loc(PART_CHILDREN, NO_ATTRS); }
  attr(name: 'type' | 'model'): AttrLoc | undefined {
    return this.table.attr(this.parts.first(this.h, PART_EL), name === 'type' ? TYPE_ONLY : MODEL_ONLY);
  }
  private loc(list: number, wanted = PART_ATTRS[list]): ElementLoc | undefined {
    const id = this.parts.first(this.h, list);
    return id < 0 ? undefined : this.table.loc(id, wanted);
  }
}

/**
 * A hostdev's layout from the records its parse has just made (./parse.ts ParseOptions.onHostdev):
 * nothing is scanned again. Only for the moment of that call: the records are not kept.
 */
export class HostdevRead implements HostdevLayout {
  constructor(private readonly raw: HostdevRaw, private readonly parts: HostdevParts, private readonly table: ElementTable,
    private readonly h: number) {}
  get el(): ElementLoc { return this.raw.el; }
  get source(): ElementLoc | undefined {
    const id = this.parts.first(this.h, PART_SOURCES);
    return id < 0 ? undefined : this.table.loc(id, NO_ATTRS);
  }
  get sourceChild(): ElementLoc | undefined { return this.raw.sourceChildren[0]; }
  get sourceChildPlace(): ElementLoc | undefined { return this.raw.sourceChildren[0]; }
  get guestAddress(): ElementLoc | undefined {
    const id = this.parts.first(this.h, PART_GUESTS);
    return id < 0 ? undefined : this.table.loc(id, GUEST_ADDRESS_ATTRS);
  }
  attr(name: 'type' | 'model'): AttrLoc | undefined {
    for (const a of this.raw.el.attrs) if (a.name === name) return a;
    return undefined;
  }
}
