// Numbers the parse keeps for every element or line of a document (offsets, ids, counts) live in
// typed arrays: the garbage collector never copies or scans them, however large the document.

/** A growing list of int32 (text offsets, counts, element ids), kept in one typed array. */
export class IntList {
  // 16 values fit inside a small on-heap typed array: a small document allocates nothing outside the heap
  private a = new Int32Array(16);
  length = 0;

  push(v: number): number {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length] = v;
    return this.length++;
  }

  get(i: number): number {
    return this.a[i];
  }

  set(i: number, v: number): void {
    this.a[i] = v;
  }
}
