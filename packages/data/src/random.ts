// Seeded, counter-based random numbers for data loading: a Generator is a Philox key plus a counter,
// so a shuffle or an augmentation is a pure function of (seed, stream, counter) and is the same in any
// worker thread, on any run.
import { contextVar, nextCounters, philox, uniformAt } from '@flint/core';

/**
 * A source of uniform numbers in [0, 1): a Generator, or the global stream behind manualSeed().
 * @property uniform - the next number in [0, 1)
 */
export interface RandomSource { uniform(): number }

const STREAM_TAG = 0x44415441; // "DATA": keeps derived keys apart from core's own draws

export class Generator implements RandomSource {
  private k0: number;
  private k1: number;
  private counter = 0;

  /** Seed with a number/bigint, or with a raw Philox key [k0, k1]. */
  constructor(seed: number | bigint | readonly [number, number] = 0) {
    [this.k0, this.k1] = Array.isArray(seed) ? [seed[0] >>> 0, seed[1] >>> 0] : seedKey(seed as number | bigint);
  }

  /** The Philox key, so a worker thread can rebuild the same generator. */
  get key(): [number, number] { return [this.k0, this.k1]; }

  /** Restarts the stream from `seed`; returns this. */
  manualSeed(seed: number | bigint): this { [this.k0, this.k1] = seedKey(seed); this.counter = 0; return this; }

  /** The next number in [0, 1). */
  uniform(): number { return uniformAt(this.k0, this.k1, this.counter++); }

  /** An independent generator for sub-stream `id` (an epoch, a sample index), leaving this one untouched. */
  fork(id: number): Generator {
    const w = philox(this.k0, this.k1, id >>> 0, (Math.floor(id / 0x100000000) ^ STREAM_TAG) >>> 0);
    return new Generator([w[0], w[1]]);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] { return permutation(n, this); }
}

function seedKey(seed: number | bigint): [number, number] {
  if (typeof seed === 'number' && !Number.isInteger(seed)) throw new TypeError(`Generator: seed must be an integer, got ${seed}`);
  const s = BigInt.asUintN(64, BigInt(seed));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** The global stream (manualSeed() from @flint/core seeds it). */
export const globalRandom: RandomSource = {
  uniform(): number {
    const { key, counter } = nextCounters(1);
    return uniformAt(key[0], key[1], counter);
  },
};

/** A fresh seed drawn from the global stream (what a DataLoader without `seed` uses). */
export function drawSeed(): [number, number] {
  const { key, counter } = nextCounters(1);
  const w = philox(key[0], key[1], counter % 0x100000000, STREAM_TAG);
  return [w[0], w[1]];
}

export function permutation(n: number, rng: RandomSource): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Integer in [low, high). */
export const randint = (rng: RandomSource, low: number, high: number): number => low + Math.floor(rng.uniform() * (high - low));

// The generator of the sample being loaded: the DataLoader sets it per sample (derived from its seed,
// the epoch and the sample index), so random transforms give the same result with or without workers.
const sampleGenerator = contextVar<Generator | undefined>(undefined);

export function withSampleGenerator<R>(g: Generator, fn: () => R): R { return sampleGenerator.run(g, fn); }

/** What a random transform draws from: its own generator, else the sample's, else the global stream. */
export function resolveRandom(own: RandomSource | undefined): RandomSource {
  return own ?? sampleGenerator.get() ?? globalRandom;
}
