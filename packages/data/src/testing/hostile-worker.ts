// Worker modules for the DataLoader's failure tests: datasets that exit, hang or throw at one item
// (or, 'slow', take 200 ms for every item from `at` on).
// Items are [Float32Array(2) filled with the index, index] unless `tensors`, then [tensor, index].
import { tensor } from '@flint/core';
import type { Tensor } from '@flint/core';
import { Dataset, FormatError } from '../node.js';

type Item = [Float32Array | Tensor, number];
export type Fault = 'exit0' | 'exit3' | 'hang' | 'never' | 'slow' | 'format' | 'range' | 'none';

export class Faulty extends Dataset<Item> {
  constructor(readonly length: number, readonly at: number, readonly fault: Fault, readonly tensors = false) { super(); }
  getItem(i: number): Item | Promise<Item> {
    const item = (): Item => [this.tensors ? tensor([i, i]) : Float32Array.of(i, i), i];
    if (this.fault === 'slow' && i >= this.at) return new Promise<Item>((r) => setTimeout(() => r(item()), 200));
    if (i !== this.at) return item();
    switch (this.fault) {
      case 'exit0': process.exit(0);
      // falls through (process.exit does not return)
      case 'exit3': process.exit(3);
      // falls through
      case 'hang': for (;;) { /* a synchronous getItem that never returns */ }
      case 'never': return new Promise<Item>(() => {});
      case 'format': throw new FormatError(`scan_${i}.png: truncated: no IEND chunk`);
      case 'range': throw new RangeError(`index ${i} is cursed`);
      default: return item();
    }
  }
}
