// A copy of libxml2-wasm's linear memory, as the compiled-schema cache stores it: the 64 KiB pages
// that hold anything but zeros. Restoring one into a process whose libxml2 has just been set up (and
// not used since) gives that process the writer's heap, compiled schemas included, at the same
// addresses: the wasm module is the same (the cache's key says so), so every pointer in it holds.
import type { LibxmlInstance } from './libxml.js';

export const PAGE = 64 * 1024;
const ZERO_PAGE = new Uint8Array(PAGE);

export interface MemoryImage {
  /** the memory's size in bytes when copied */
  size: number;
  /** indexes of the pages in `data`, ascending */
  pages: number[];
  /** the pages, one after another */
  data: Uint8Array;
}

function bytesOf(mem: WebAssembly.Memory): Uint8Array {
  return new Uint8Array(mem.buffer);
}

function isZero(u8: Uint8Array, page: number): boolean {
  return Buffer.compare(u8.subarray(page * PAGE, (page + 1) * PAGE), ZERO_PAGE) === 0;
}

export function captureImage(inst: LibxmlInstance): MemoryImage {
  const u8 = bytesOf(inst.memory);
  const pages: number[] = [];
  for (let p = 0; p < u8.length / PAGE; p++) if (!isZero(u8, p)) pages.push(p);
  const data = new Uint8Array(pages.length * PAGE);
  pages.forEach((p, i) => data.set(u8.subarray(p * PAGE, (p + 1) * PAGE), i * PAGE));
  return { size: u8.length, pages, data };
}

/** Whether nothing has changed libxml2's memory since its set-up (no document, no schema, no allocation). */
export function untouched(inst: LibxmlInstance): boolean {
  const u8 = bytesOf(inst.memory);
  return u8.length >= inst.fresh.length && Buffer.compare(u8.subarray(0, inst.fresh.length), inst.fresh) === 0;
}

/**
 * Replace the memory of an untouched instance with an image. false (nothing written) when the
 * instance is not untouched or its memory cannot be made as large as the image's.
 */
export function restoreImage(inst: LibxmlInstance, image: MemoryImage): boolean {
  if (!untouched(inst)) return false;
  let grown = false;
  if (bytesOf(inst.memory).length < image.size) {
    // grow the way libxml2's allocator does, so libxml2-wasm's views of the memory follow
    const p = inst.malloc(image.size - bytesOf(inst.memory).length);
    if (p) inst.free(p);
    grown = true;
    if (bytesOf(inst.memory).length < image.size) return false;
  }
  const u8 = bytesOf(inst.memory);
  // Pages the image leaves out are zeros there. A fresh libxml2 has written only low in its memory
  // (inside the copy taken at set-up), so zeroing up to the higher of that and the image's last page
  // is enough; after a growth the allocator has written high up as well, so then all of it.
  let limit = u8.length / PAGE;
  if (!grown) {
    const freshPages = Math.ceil(inst.fresh.length / PAGE);
    let freshHigh = freshPages - 1;
    while (freshHigh >= 0 && Buffer.compare(inst.fresh.subarray(freshHigh * PAGE, (freshHigh + 1) * PAGE), ZERO_PAGE.subarray(0, Math.min(PAGE, inst.fresh.length - freshHigh * PAGE))) === 0) freshHigh--;
    // a fresh memory written up to the copy's end may go on above it: zero everything then
    if (freshHigh < freshPages - 1) limit = Math.max(freshHigh + 1, (image.pages[image.pages.length - 1] ?? -1) + 1);
  }
  let next = 0;
  for (let p = 0; p < limit; p++) {
    if (image.pages[next] === p) next++;
    else u8.fill(0, p * PAGE, (p + 1) * PAGE);
  }
  image.pages.forEach((p, i) => u8.set(image.data.subarray(i * PAGE, (i + 1) * PAGE), p * PAGE));
  return true;
}
