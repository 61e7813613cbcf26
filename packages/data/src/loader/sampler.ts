// Samplers: which indices an epoch visits and in what order (torch.utils.data.Sampler family).
import { checkOptions, optionKeys } from '@flint/core';
import type { RandomSource } from '../random.js';
import { Generator, drawSeed, permutation } from '../random.js';

/** An iterable of dataset indices; `setEpoch` lets seeded samplers draw a fresh order per epoch. */
export interface Sampler extends Iterable<number> {
  /** The number of indices an epoch yields. */
  readonly length: number;
  /** Sets the epoch, so a seeded sampler draws that epoch's order (the DataLoader calls it each epoch). */
  setEpoch?(epoch: number): void;
}

/** Indices 0..length-1, in order. */
export class SequentialSampler implements Sampler {
  constructor(private readonly source: { length: number }) {}
  get length(): number { return this.source.length; }
  /** The indices of one epoch. */
  *[Symbol.iterator](): Iterator<number> { for (let i = 0; i < this.source.length; i++) yield i; }
}

/** Options of {@link RandomSampler} and {@link SubsetRandomSampler}. */
export interface RandomSamplerOptions {
  /** Seed: epoch e visits the permutation drawn from the stream (seed, e); a seed from the global stream when left out. */
  seed?: number | bigint;
  /** The generator to draw from (instead of `seed`). */
  generator?: Generator;
  /** Draw `numSamples` indices with replacement instead of a permutation. */
  replacement?: boolean;
  /** Indices per epoch (default: the source's length). */
  numSamples?: number;
}

/** A fresh random order every epoch, reproducible from the seed: epoch e depends only on (seed, e). */
export class RandomSampler implements Sampler {
  private readonly generator: Generator;
  private epoch = 0;
  private explicitEpoch = false;
  constructor(private readonly source: { length: number }, private readonly opts: RandomSamplerOptions = {}) {
    checkOptions('RandomSampler', opts, optionKeys<RandomSamplerOptions>()('seed', 'generator', 'replacement', 'numSamples'));
    this.generator = opts.generator ?? new Generator(opts.seed ?? drawSeed());
    if (opts.numSamples !== undefined && (!Number.isInteger(opts.numSamples) || opts.numSamples <= 0)) {
      throw new RangeError(`RandomSampler: numSamples should be a positive integer, got ${opts.numSamples}`);
    }
  }
  get length(): number { return this.opts.numSamples ?? this.source.length; }
  setEpoch(epoch: number): void { this.epoch = epoch; this.explicitEpoch = true; }
  /** The indices of one epoch; without `setEpoch`, each iteration moves to the next epoch. */
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
  /**
   * @param indices - the indices to draw from
   * @param opts - seed and generator
   */
  constructor(readonly indices: readonly number[], opts: RandomSamplerOptions = {}) { this.inner = new RandomSampler(indices, opts); }
  get length(): number { return this.indices.length; }
  setEpoch(epoch: number): void { this.inner.setEpoch(epoch); }
  /** The indices of one epoch. */
  *[Symbol.iterator](): Iterator<number> { for (const i of this.inner) yield this.indices[i]!; }
}

/** Groups a sampler's indices into batches. */
export class BatchSampler implements Iterable<number[]> {
  /**
   * @param sampler - the sampler whose indices are grouped
   * @param batchSize - indices per batch
   * @param dropLast - drop the last batch when it is short (default false)
   */
  constructor(readonly sampler: Sampler, readonly batchSize: number, readonly dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`BatchSampler: batchSize should be a positive integer, got ${batchSize}`);
  }
  /** The number of batches per epoch. */
  get length(): number { return this.dropLast ? Math.floor(this.sampler.length / this.batchSize) : Math.ceil(this.sampler.length / this.batchSize); }
  /** Passes the epoch on to the sampler. */
  setEpoch(epoch: number): void { this.sampler.setEpoch?.(epoch); }
  /** The batches of one epoch. */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) { yield batch; batch = []; }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
