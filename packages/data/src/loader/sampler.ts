// Samplers: which indices an epoch visits and in what order (torch.utils.data.Sampler family).
import type { RandomSource } from '../random.js';
import { Generator, drawSeed, permutation } from '../random.js';

/** An iterable of dataset indices; `setEpoch` lets seeded samplers draw a fresh order per epoch. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
  setEpoch?(epoch: number): void;
}

export class SequentialSampler implements Sampler {
  constructor(private readonly source: { length: number }) {}
  get length(): number { return this.source.length; }
  *[Symbol.iterator](): Iterator<number> { for (let i = 0; i < this.source.length; i++) yield i; }
}

export interface RandomSamplerOptions {
  /** Seed: epoch e visits the permutation drawn from the stream (seed, e); a seed from the global stream when left out. */
  seed?: number | bigint;
  generator?: Generator;
  /** Draw `numSamples` indices with replacement instead of a permutation. */
  replacement?: boolean;
  numSamples?: number;
}

/** A fresh random order every epoch, reproducible from the seed: epoch e depends only on (seed, e). */
export class RandomSampler implements Sampler {
  private readonly generator: Generator;
  private epoch = 0;
  private explicitEpoch = false;
  constructor(private readonly source: { length: number }, private readonly opts: RandomSamplerOptions = {}) {
    this.generator = opts.generator ?? new Generator(opts.seed ?? drawSeed());
    if (opts.numSamples !== undefined && (!Number.isInteger(opts.numSamples) || opts.numSamples <= 0)) {
      throw new RangeError(`RandomSampler: numSamples should be a positive integer, got ${opts.numSamples}`);
    }
  }
  get length(): number { return this.opts.numSamples ?? this.source.length; }
  setEpoch(epoch: number): void { this.epoch = epoch; this.explicitEpoch = true; }
  *[Symbol.iterator](): Iterator<number> {
    const rng: RandomSource = this.generator.fork(this.epoch);
    if (!this.explicitEpoch) this.epoch++;
    const n = this.source.length;
    if (this.opts.replacement) {
      for (let i = 0; i < this.length; i++) yield Math.floor(rng.uniform() * n);
      return;
    }
    // numSamples beyond n: whole permutations back to back, as PyTorch does
    for (let done = 0; done < this.length; ) {
      for (const i of permutation(n, rng)) { if (done++ >= this.length) return; yield i; }
    }
  }
}

/** A random order over a fixed list of indices. */
export class SubsetRandomSampler implements Sampler {
  private readonly inner: RandomSampler;
  constructor(readonly indices: readonly number[], opts: RandomSamplerOptions = {}) { this.inner = new RandomSampler(indices, opts); }
  get length(): number { return this.indices.length; }
  setEpoch(epoch: number): void { this.inner.setEpoch(epoch); }
  *[Symbol.iterator](): Iterator<number> { for (const i of this.inner) yield this.indices[i]!; }
}

/** Groups a sampler's indices into batches. */
export class BatchSampler implements Iterable<number[]> {
  constructor(readonly sampler: Sampler, readonly batchSize: number, readonly dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`BatchSampler: batchSize should be a positive integer, got ${batchSize}`);
  }
  get length(): number { return this.dropLast ? Math.floor(this.sampler.length / this.batchSize) : Math.ceil(this.sampler.length / this.batchSize); }
  setEpoch(epoch: number): void { this.sampler.setEpoch?.(epoch); }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) { yield batch; batch = []; }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
