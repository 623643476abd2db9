// What virt-mdev reads out of a libvirt domain document. Produced by ./parse.ts (saxes, exact
// offsets); consumed by transform, validate and the hook.

export type GuestModel = 'vfio-pci' | 'vfio-ccw' | 'vfio-ap';

/** The four ways an mdev hostdev can be written (see schemas/ and the design discussion). */
export type HostdevForm =
  /** libvirt's: type='mdev' model=… <source><address uuid=…/></source> */
  | 'libvirt'
  /** first proposed form: type='pci' (guest side) <source><mdev uuid=…/></source> */
  | 'rfc-guest-type'
  /** second proposed form: type='mdev' <source><mdev uuid=…/></source>, guest side from <address type=…> */
  | 'rfc-mdev'
  /** our managed authoring form: managed='yes' <source><mdev type=… [parent=…] [uuid=…] [pool=…]/></source> */
  | 'managed';

/** A [start, end) range of UTF-16 offsets into the document text, plus 1-based line/column of start. */
export interface Span {
  start: number;
  end: number;
  line: number;
  col: number;
}

export interface MdevHostdev {
  /** 0-based position among the domain's mdev hostdevs, in document order */
  index: number;
  form: HostdevForm;
  /** managed='yes' on the hostdev: a device our hook creates and removes */
  managed: boolean;
  /** canonical UUID, when the document names one (source address/mdev uuid) */
  uuid?: string;
  model: GuestModel;
  /** where the model came from: the model attribute, the guest <address type>, or the vfio-pci default */
  modelSource: 'attribute' | 'address' | 'default';
  /** guest <address type=…> if present */
  guestAddressType?: string;
  /** what to create, from <source><mdev type/parent/pool> or from our <metadata> entry for this UUID */
  request?: { type?: string; parent?: string; pool?: string };
  display?: string;
  ramfb?: string;
  /** the whole <hostdev>…</hostdev> element */
  span: Span;
  /** where `request` came from: the authoring <source><mdev type/pool>, or our <metadata> entry */
  requestFrom?: 'source' | 'metadata';
}

/** One <virt-mdev:device> entry of our <metadata><virt-mdev:mdev> element (see ./namespace.ts). */
export interface MetadataEntry {
  /** canonical UUID */
  uuid: string;
  type?: string;
  parent?: string;
  pool?: string;
  span: Span;
}

export interface DomainDoc {
  /** <name> text */
  name?: string;
  /** <uuid> text, canonical */
  uuid?: string;
  hostdevs: MdevHostdev[];
  /** our metadata entries, in document order ([] when the domain has none) */
  metadata: MetadataEntry[];
  /** things a person should know that do not stop anything, as 'file:line: message' */
  warnings: string[];
}
