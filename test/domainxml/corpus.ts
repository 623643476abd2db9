// The domain corpus (samples/domains) and what each file must parse to. Shared by the domainxml and
// transform tests; every valid corpus file must appear here, so a new sample cannot go untested.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli.js';

export const corpusDir = path.join(repoRoot, 'samples/domains');
export const invalidDir = path.join(corpusDir, 'invalid');

export function corpusFiles(): string[] {
  return fs.readdirSync(corpusDir).filter((f) => f.endsWith('.xml')).sort();
}

export function invalidFiles(): string[] {
  return fs.readdirSync(invalidDir).filter((f) => f.endsWith('.xml')).sort();
}

export function readCorpus(file: string): string {
  return fs.readFileSync(path.join(corpusDir, file), 'utf8');
}

/** `<!-- expect: BAD_VALUE 12:24 <address uuid> -->` on an invalid file's first line */
export interface InvalidExpectation {
  code: 'BAD_XML' | 'BAD_VALUE';
  line: number;
  col: number;
  /** element name and attribute names the message must mention */
  element: string;
  attrs: string[];
}

export function invalidExpectation(text: string): InvalidExpectation {
  const m = /<!-- expect: (BAD_XML|BAD_VALUE) (\d+):(\d+) <([^\s>]+)((?: [\w-]+)*)> -->/.exec(text);
  if (!m) throw new Error('invalid corpus file without an expect comment');
  return {
    code: m[1] as InvalidExpectation['code'], line: Number(m[2]), col: Number(m[3]),
    element: m[4], attrs: m[5].trim() === '' ? [] : m[5].trim().split(' '),
  };
}

interface HostdevExpectation {
  form: string;
  model: string;
  modelSource?: string;
  managed: boolean;
  uuid?: string;
  request?: { type?: string; parent?: string; pool?: string };
  display?: string;
  ramfb?: string;
  guestAddressType?: string;
}

interface FileExpectation {
  name: string;
  uuid?: string | null;
  hostdevs: HostdevExpectation[];
  metadata?: number;
  warnings?: number;
}

const pci = { model: 'vfio-pci' };

export const EXPECTED: Record<string, FileExpectation> = {
  'comments-cdata-and-processing-instructions.xml': { name: 'commented', hostdevs: [
    { form: 'managed', ...pci, modelSource: 'address', managed: true, guestAddressType: 'pci', request: { type: 'i915-GVTg_V5_8', parent: '0000:00:02.0' } }] },
  'crlf-line-endings.xml': { name: 'crlf-domain', hostdevs: [
    { form: 'managed', ...pci, modelSource: 'default', managed: true, request: { type: 'mtty-2', parent: 'mtty' } },
    { form: 'rfc-mdev', ...pci, modelSource: 'default', managed: false, uuid: '3d4e5f6a-7b8c-4d9e-9f0a-1b2c3d4e5f6a' }] },
  'double-quotes-everywhere.xml': { name: 'double-quoted', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'nvidia-65', parent: '0000:42:00.0' } },
    { form: 'rfc-guest-type', ...pci, modelSource: 'address', managed: false, uuid: '4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b' }] },
  'every-form-in-one-domain.xml': { name: 'every-form', hostdevs: [
    { form: 'libvirt', ...pci, modelSource: 'attribute', managed: false, uuid: '11111111-2222-4333-8444-555555555501', display: 'on', ramfb: 'on', guestAddressType: 'pci' },
    { form: 'rfc-guest-type', ...pci, modelSource: 'address', managed: false, uuid: '11111111-2222-4333-8444-555555555502', guestAddressType: 'pci' },
    { form: 'rfc-mdev', ...pci, modelSource: 'default', managed: false, uuid: '11111111-2222-4333-8444-555555555503' },
    { form: 'managed', ...pci, managed: true, display: 'off', request: { type: 'nvidia-63', parent: '0000:41:00.0' } },
    { form: 'managed', ...pci, managed: true, request: { pool: 'vdi-1q' } },
    { form: 'managed', ...pci, managed: true, uuid: '11111111-2222-4333-8444-555555555506', request: { type: 'mtty-1' } }] },
  'libvirt-form-managed-yes-without-metadata.xml': { name: 'managed-yes-no-entry', warnings: 1, hostdevs: [
    { form: 'libvirt', ...pci, managed: false, uuid: '8d9e0f1a-2b3c-4d4e-8f6a-7b8c9d0e1f2a' }] },
  'libvirt-vfio-ap.xml': { name: 's390-crypto', hostdevs: [
    { form: 'libvirt', model: 'vfio-ap', modelSource: 'attribute', managed: false, uuid: '90c6c135-ad44-41d0-b1b7-bae47de48627' }] },
  'libvirt-vfio-ccw-guest-ccw-address.xml': { name: 's390-ccw-passthrough', hostdevs: [
    { form: 'libvirt', model: 'vfio-ccw', managed: false, uuid: '9063cba3-ecef-47b6-abcf-3fef4fdcad85', guestAddressType: 'ccw' }] },
  'libvirt-vfio-pci-display-ramfb-guest-pci-address.xml': { name: 'vgpu-display', hostdevs: [
    { form: 'libvirt', ...pci, managed: false, uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', display: 'on', ramfb: 'on', guestAddressType: 'pci' },
    { form: 'libvirt', ...pci, managed: false, uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dd', display: 'off', ramfb: 'off', guestAddressType: 'pci' }] },
  'libvirt-vfio-pci-no-guest-address.xml': { name: 'vgpu-minimal', hostdevs: [
    { form: 'libvirt', ...pci, managed: false, uuid: 'c2177883-f1bb-47f0-914d-32a22e3a8804' }] },
  'managed-already-transformed-libvirt-ready.xml': { name: 'managed-ready', metadata: 1, hostdevs: [
    { form: 'libvirt', ...pci, managed: true, uuid: '0a1b2c3d-4e5f-5a6b-8c7d-8e9f0a1b2c3d', request: { type: 'nvidia-64', parent: '0000:42:00.0' } }] },
  'managed-domain-without-uuid.xml': { name: 'no-uuid-yet', uuid: null, hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'mtty-1', parent: 'mtty' } }] },
  'managed-guest-type-pci-form.xml': { name: 'managed-guest-type-pci', hostdevs: [
    { form: 'managed', ...pci, modelSource: 'address', managed: true, request: { type: 'mtty-2', parent: 'mtty' } }] },
  'managed-pool.xml': { name: 'managed-pool', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { pool: 'vdi-2q' } }] },
  'managed-type-and-parent.xml': { name: 'managed-type-parent', hostdevs: [
    { form: 'managed', ...pci, modelSource: 'attribute', managed: true, display: 'on', guestAddressType: 'pci', request: { type: 'nvidia-63', parent: '0000:41:00.0' } }] },
  'managed-type-only.xml': { name: 'managed-type-only', hostdevs: [
    { form: 'managed', ...pci, modelSource: 'default', managed: true, request: { type: 'mtty-1' } }] },
  'managed-uuid-given.xml': { name: 'managed-uuid-given', hostdevs: [
    { form: 'managed', ...pci, managed: true, uuid: 'f7a3c2d1-0b9e-4f8d-a6c5-b4e3d2c1b0a9', request: { type: 'i915-GVTg_V5_4', parent: '0000:00:02.0' } }] },
  'managed-vfio-ap.xml': { name: 'managed-ap', hostdevs: [
    { form: 'managed', model: 'vfio-ap', managed: true, request: { type: 'vfio_ap-passthrough', parent: 'matrix' } }] },
  'managed-vfio-ccw-guest-ccw-address.xml': { name: 'managed-ccw', hostdevs: [
    { form: 'managed', model: 'vfio-ccw', modelSource: 'address', managed: true, guestAddressType: 'ccw', request: { type: 'vfio_ccw-io', parent: '0.0.0052' } }] },
  'metadata-of-other-applications-kept.xml': { name: 'other-metadata', metadata: 0, hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'nvidia-63' } }] },
  'metadata-self-closing.xml': { name: 'empty-metadata', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'mtty-2' } }] },
  'metadata-stale-entry-removed.xml': { name: 'stale-metadata', metadata: 2, hostdevs: [
    { form: 'libvirt', ...pci, managed: true, uuid: '6b7c8d9e-0f1a-4b2c-8d4e-5f6a7b8c9d0e', request: { type: 'mtty-1', parent: 'mtty' } }] },
  'mixed-quotes-and-spacing.xml': { name: 'mixed-quotes', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'mtty-1', parent: 'mtty' } },
    { form: 'libvirt', ...pci, managed: false, uuid: '5f6a7b8c-9d0e-4f1a-9b2c-3d4e5f6a7b8c' }] },
  'pci-and-usb-passthrough-next-to-mdev.xml': { name: 'mixed-passthrough', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'nvidia-63' } }] },
  'rfc-guest-type-ccw-mdev-uuid.xml': { name: 'rfc-first-form-ccw', hostdevs: [
    { form: 'rfc-guest-type', model: 'vfio-ccw', modelSource: 'address', managed: false, uuid: 'b397db4a-f4c2-11e6-90f6-d3b88d6c9525' }] },
  'rfc-guest-type-pci-mdev-uuid.xml': { name: 'rfc-first-form', hostdevs: [
    { form: 'rfc-guest-type', ...pci, modelSource: 'address', managed: false, uuid: 'a297db4a-f4c2-11e6-90f6-d3b88d6c9525', guestAddressType: 'pci' }] },
  'rfc-mdev-guest-ccw-address.xml': { name: 'rfc-second-form-ccw', hostdevs: [
    { form: 'rfc-mdev', model: 'vfio-ccw', modelSource: 'address', managed: false, uuid: 'd597db4a-f4c2-11e6-90f6-d3b88d6c9525', guestAddressType: 'ccw' }] },
  'rfc-mdev-guest-pci-address.xml': { name: 'rfc-second-form', hostdevs: [
    { form: 'rfc-mdev', ...pci, modelSource: 'address', managed: false, uuid: 'c497db4a-f4c2-11e6-90f6-d3b88d6c9525', guestAddressType: 'pci' }] },
  'rfc-mdev-no-guest-address-defaults-to-vfio-pci.xml': { name: 'rfc-second-form-default', hostdevs: [
    { form: 'rfc-mdev', ...pci, modelSource: 'default', managed: false, uuid: 'e697db4a-f4c2-11e6-90f6-d3b88d6c9525' }] },
  'tab-indentation.xml': { name: 'tabbed', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'mtty-1' } }] },
  'utf8-bom-single-line-no-final-newline.xml': { name: 'bom-one-line', hostdevs: [
    { form: 'managed', ...pci, managed: true, request: { type: 'mtty-1' } }] },
  'virsh-dumpxml-running-i440fx-managed-no-display-off.xml': { name: 'hookvm', hostdevs: [
    { form: 'libvirt', ...pci, modelSource: 'attribute', managed: false, uuid: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', display: 'off', guestAddressType: 'pci' }] },
  'virsh-dumpxml-running-managed-metadata-reemitted.xml': { name: 'managed-running', metadata: 2, hostdevs: [
    { form: 'libvirt', ...pci, managed: true, uuid: '1b2c3d4e-5f6a-5b7c-9d8e-9f0a1b2c3d4e', display: 'off', guestAddressType: 'pci', request: { type: 'mtty-1', parent: 'mtty' } },
    { form: 'libvirt', ...pci, managed: true, uuid: '2c3d4e5f-6a7b-5c8d-8e9f-0a1b2c3d4e5f', display: 'off', guestAddressType: 'pci', request: { pool: 'serial-ports' } }] },
  'virsh-dumpxml-running-vgpu-q35.xml': { name: 'win11-vgpu', hostdevs: [
    { form: 'libvirt', ...pci, managed: false, uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', display: 'on', ramfb: 'on', guestAddressType: 'pci' }] },
};
