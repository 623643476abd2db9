// What transform plans for each mdev hostdev, kept in columns while the parse goes on and made into
// records when it is over. As one object per hostdev from the start, a large domain's records lived
// through the rest of the parse, and the garbage collector copied and promoted all of them (10,000
// hostdevs: some 1.4 MB moved twice and placed in fresh memory), so a large domain cost more per
// hostdev than a small one; made at the end, they are the last thing the call allocates.
import { IntList } from '../domainxml/int-list.js';
import type { GuestModel, HostdevForm, MdevHostdev } from '../domainxml/types.js';

export interface PlannedDevice {
  index: number;
  form: HostdevForm;
  model: GuestModel;
  modelSource: MdevHostdev['modelSource'];
  uuid: string;
  /** the UUID was derived here (UUIDv5 of the domain and the device's place) */
  generated: boolean;
  managed: boolean;
  type?: string;
  parent?: string;
  pool?: string;
  guestAddressType?: string;
  /** 1-based line of the <hostdev> in the input */
  line: number;
  /** transform changes this hostdev */
  changed: boolean;
}

/** A managed device as our metadata lists it: its UUID and what to create. */
export interface MetaWant {
  uuid: string;
  type?: string;
  parent?: string;
  pool?: string;
}

const FORMS: readonly HostdevForm[] = ['libvirt', 'rfc-guest-type', 'rfc-mdev', 'managed'];
const MODELS: readonly GuestModel[] = ['vfio-pci', 'vfio-ccw', 'vfio-ap'];
const MODEL_SOURCES: readonly MdevHostdev['modelSource'][] = ['attribute', 'address', 'default'];
// one number per device: form, model and model source by their index above, then the flags
const MODEL_SHIFT = 2;
const SOURCE_SHIFT = 4;
const GENERATED = 1 << 6;
const MANAGED = 1 << 7;
const CHANGED = 1 << 8;

export class DevicePlans {
  private readonly codes = new IntList();
  private readonly lines = new IntList();
  private readonly uuids: string[] = [];
  /** each device's create request (only managed devices have one) */
  private readonly requests: Array<MdevHostdev['request']> = [];
  private readonly guestTypes: Array<string | undefined> = [];

  get count(): number {
    return this.codes.length;
  }

  /** Plan hostdev h (the next in document order) as the device `uuid`. */
  add(h: MdevHostdev, uuid: string, generated: boolean, changed: boolean): void {
    this.codes.push(FORMS.indexOf(h.form) | MODELS.indexOf(h.model) << MODEL_SHIFT
      | MODEL_SOURCES.indexOf(h.modelSource) << SOURCE_SHIFT
      | (generated ? GENERATED : 0) | (h.managed ? MANAGED : 0) | (changed ? CHANGED : 0));
    this.lines.push(h.span.line);
    this.uuids.push(uuid);
    this.requests.push(h.request);
    this.guestTypes.push(h.guestAddressType);
  }

  uuid(i: number): string {
    return this.uuids[i];
  }

  /** The managed devices, in document order, as our metadata should list them. */
  wanted(): MetaWant[] {
    const wanted: MetaWant[] = [];
    for (let i = 0; i < this.count; i++) {
      if (this.codes.get(i) & MANAGED) wanted.push(withRequest<MetaWant>({ uuid: this.uuids[i] }, this.requests[i]));
    }
    return wanted;
  }

  /**
   * Each device's record, its keys in this order (they are JSON output): made with plain stores, so
   * that 10,000 of them share one shape and make no intermediate objects.
   */
  devices(): PlannedDevice[] {
    const devices: PlannedDevice[] = [];
    for (let i = 0; i < this.count; i++) {
      const code = this.codes.get(i);
      const d = withRequest({
        index: i, form: FORMS[code & 3], model: MODELS[code >> MODEL_SHIFT & 3],
        modelSource: MODEL_SOURCES[code >> SOURCE_SHIFT & 3], uuid: this.uuids[i],
        generated: (code & GENERATED) !== 0, managed: (code & MANAGED) !== 0,
      } as PlannedDevice, this.requests[i]);
      const guestType = this.guestTypes[i];
      if (guestType) d.guestAddressType = guestType;
      d.line = this.lines.get(i);
      d.changed = (code & CHANGED) !== 0;
      devices.push(d);
    }
    return devices;
  }
}

/** `to` with the request's type, parent and pool, as {...to, ...request} (the parse sets only those it has, in this order) */
function withRequest<T extends { type?: string; parent?: string; pool?: string }>(to: T, request: MdevHostdev['request']): T {
  if (request?.type !== undefined) to.type = request.type;
  if (request?.parent !== undefined) to.parent = request.parent;
  if (request?.pool !== undefined) to.pool = request.pool;
  return to;
}
