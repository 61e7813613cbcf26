// Where batches come from: the Batches contract (a DataLoader meets it), synthetic batches, and --limit.
import type { Tensor } from '@flint/core';

/** Batches of [input, target] tensors; the consumer disposes each batch. */
export interface Batches { readonly length: number; [Symbol.asyncIterator](): AsyncIterator<[Tensor, Tensor]> }

/** `ceil(total / batchSize)` batches from `make(n)`, the last one short when total isn't a multiple. */
export class SyntheticBatches implements Batches {
  readonly length: number;
  constructor(readonly total: number, readonly batchSize: number, private readonly make: (n: number) => [Tensor, Tensor]) {
    this.length = Math.ceil(total / batchSize);
  }
  async *[Symbol.asyncIterator](): AsyncIterator<[Tensor, Tensor]> {
    for (let b = 0; b < this.length; b++) yield this.make(Math.min(this.batchSize, this.total - b * this.batchSize));
  }
}

/** A sampler over the first n indices (evaluation under --limit). */
export const firstN = (n: number): { length: number; [Symbol.iterator](): Iterator<number> } => ({
  length: n,
  *[Symbol.iterator]() { for (let i = 0; i < n; i++) yield i; },
});

/** How many samples an epoch sees under --limit (batches of batchSize). */
export const limitSamples = (size: number, batchSize: number, limit: number | undefined): number =>
  limit === undefined ? size : Math.min(size, limit * batchSize);
