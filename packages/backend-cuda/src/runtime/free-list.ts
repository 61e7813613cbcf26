// Free blocks of one pool and stream, ordered by (size, address): best fit is a binary search.

/** What a free list orders by. */
export interface Sized { readonly size: number; readonly ptr: bigint }

const before = (a: Sized, b: Sized): boolean => a.size < b.size || (a.size === b.size && a.ptr < b.ptr);

/** A sorted list of free blocks. */
export class FreeList<T extends Sized> {
  readonly #items: T[] = [];

  /** Index of the first item not ordered before `key`. */
  #lowerBound(key: Sized): number {
    let lo = 0, hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#items[mid]!, key)) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Adds a block. */
  insert(b: T): void { this.#items.splice(this.#lowerBound(b), 0, b); }

  /** Removes a block (by identity); false when it isn't here. */
  remove(b: T): boolean {
    const i = this.#lowerBound(b);
    for (let j = i; j < this.#items.length && this.#items[j]!.size === b.size; j++) {
      if (this.#items[j] === b) { this.#items.splice(j, 1); return true; }
    }
    return false;
  }

  /** Removes and returns the smallest block of at least `size` bytes (lowest address among equals). */
  takeBestFit(size: number): T | undefined {
    const i = this.#lowerBound({ size, ptr: -1n });
    if (i >= this.#items.length) return undefined;
    return this.#items.splice(i, 1)[0];
  }

  /** A snapshot of the blocks, in order. */
  items(): readonly T[] { return [...this.#items]; }

  /** How many blocks are free. */
  get length(): number { return this.#items.length; }
}
