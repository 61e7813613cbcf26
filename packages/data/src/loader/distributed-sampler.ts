// DistributedSampler (torch.utils.data.distributed): each rank of a data-parallel job visits its own share
// of the dataset, padded (or trimmed, with dropLast) so every rank gets the same number of indices; the
// shuffled order depends only on (seed, epoch), so ranks agree on it without talking to each other.
import { checkOptions, optionKeys } from '@flint/core';
import { Generator, permutation } from '../random.js';
import type { Sampler } from './sampler.js';

/** Options of {@link DistributedSampler}. */
export interface DistributedSamplerOptions {
  /** Number of ranks sharing the dataset (default: the world size of @flint/distributed's default group). */
  numReplicas?: number;
  /** This rank, in [0, numReplicas) (default: the rank in @flint/distributed's default group). */
  rank?: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle; must be the same on every rank (default 0). */
  seed?: number;
  /** Drop the tail so the dataset splits evenly, instead of padding with indices from the start (default false). */
  dropLast?: boolean;
}

/** The default process group's rank and size, when @flint/distributed has initialised one in this process. */
function defaultGroup(): { rank: number; size: number } | undefined {
  return (globalThis as unknown as Record<symbol, { rank: number; size: number } | undefined>)[Symbol.for('@flint/distributed.group')];
}

/** This rank's share of a dataset's indices; call `setEpoch(e)` each epoch (the DataLoader does) to reshuffle. */
export class DistributedSampler implements Sampler {
  /** The number of ranks sharing the dataset. */
  readonly numReplicas: number;
  /** This rank. */
  readonly rank: number;
  readonly #shuffle: boolean;
  readonly #dropLast: boolean;
  readonly #generator: Generator;
  #epoch = 0;

  constructor(private readonly source: { length: number }, opts: DistributedSamplerOptions = {}) {
    checkOptions('DistributedSampler', opts, optionKeys<DistributedSamplerOptions>()('numReplicas', 'rank', 'shuffle', 'seed', 'dropLast'));
    const group = defaultGroup();
    const replicas = opts.numReplicas ?? group?.size, rank = opts.rank ?? group?.rank;
    if (replicas === undefined || rank === undefined) {
      throw new Error("DistributedSampler: pass { numReplicas, rank }, or call initProcessGroup() from @flint/distributed first so they come from the default process group");
    }
    if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`DistributedSampler: numReplicas should be a positive integer, got ${replicas}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= replicas) throw new RangeError(`DistributedSampler: invalid rank ${rank}, rank should be in the interval [0, ${replicas - 1}]`);
    this.numReplicas = replicas;
    this.rank = rank;
    this.#shuffle = opts.shuffle ?? true;
    this.#dropLast = opts.dropLast ?? false;
    this.#generator = new Generator(opts.seed ?? 0);
  }

  /** Indices per rank per epoch: the same on every rank. */
  get length(): number {
    const n = this.source.length, r = this.numReplicas;
    return this.#dropLast && n % r !== 0 ? Math.ceil((n - r) / r) : Math.ceil(n / r);
  }

  /** Sets the epoch: every rank draws the same permutation for the same (seed, epoch). */
  setEpoch(epoch: number): void { this.#epoch = epoch; }

  /** This rank's indices of the current epoch: every numReplicas-th of the (padded) order, from `rank`. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.source.length, total = this.length * this.numReplicas;
    const order = this.#shuffle ? permutation(n, this.#generator.fork(this.#epoch)) : Array.from({ length: n }, (_, i) => i);
    // padding repeats the order from its start (several times over when the dataset is smaller than the world)
    for (let i = this.rank; i < total; i += this.numReplicas) yield order[i % n]!;
  }
}
