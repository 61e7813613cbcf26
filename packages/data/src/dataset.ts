// Datasets: the map-style base class and its compositions (PyTorch's torch.utils.data.Dataset family).
import type { Tensor } from '@flint/core';
import type { RandomSource } from './random.js';
import { Generator, globalRandom, permutation } from './random.js';

/**
 * How a worker thread builds its own copy of a dataset: it imports `module` (an absolute path or a
 * file URL) and calls `module[export](...args)`, with `new` when the export is a class. `args` must be
 * structured-cloneable (no functions, no tensors). Built-in datasets answer with `builtin` instead.
 */
export interface WorkerSpec {
  /** The module to import in the worker: an absolute path or a file URL. */
  module?: string | URL;
  /** The export to call; 'default' when left out. */
  export?: string;
  /** A dataset class exported by '@flint/data/node' ('FashionMNIST', 'CIFAR10', ...). */
  builtin?: string;
  /** The arguments to the export (structured-cloneable). */
  args?: unknown[];
}

/** A map-style dataset: `length` items, item i from `getItem(i)` (sync, or async for fetched data). */
export abstract class Dataset<T = unknown> {
  /** The number of items. */
  abstract readonly length: number;
  /** Item `index` (0 <= index < length; negative counts from the end where supported). */
  abstract getItem(index: number): T | Promise<T>;
  /** How to rebuild this dataset in a worker thread; undefined when it can't be (DataLoader then says so). */
  workerInit?(): WorkerSpec | undefined;
}

/** A stream of items (PyTorch's IterableDataset): the DataLoader batches it in order, no sampler. */
export abstract class IterableDataset<T = unknown> {
  /** The items, in order. */
  abstract [Symbol.asyncIterator](): AsyncIterator<T>;
}

export function checkIndex(name: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new RangeError(`${name}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${name}: index ${index} is out of range for a dataset of ${length} items`);
  return i;
}

/** Rows of tensors that share their first dimension: item i is [t0[i], t1[i], ...] (views, no copy). */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors, all of the same first dimension. */
  readonly tensors: readonly Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset: needs at least one tensor');
    const n = tensors[0]!.shape[0];
    if (n === undefined || tensors.some((t) => t.shape[0] !== n)) {
      throw new RangeError(`TensorDataset: size mismatch between tensors (first dims ${tensors.map((t) => t.shape[0] ?? 'scalar').join(', ')})`);
    }
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0]!.shape[0]!; }
  getItem(index: number): Tensor[] {
    const i = checkIndex('TensorDataset', index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** The items of `dataset` at `indices`. */
export class Subset<T> extends Dataset<T> {
  /**
   * @param dataset - the dataset to take items from
   * @param indices - the indices of `dataset` this subset holds, in order
   */
  constructor(readonly dataset: Dataset<T>, readonly indices: readonly number[]) { super(); }
  get length(): number { return this.indices.length; }
  getItem(index: number): T | Promise<T> { return this.dataset.getItem(this.indices[checkIndex('Subset', index, this.length)]!); }
  override workerInit(): WorkerSpec | undefined {
    const inner = this.dataset.workerInit?.();
    return inner && { builtin: 'Subset', args: [inner, [...this.indices]] };
  }
}

/** Datasets one after another. */
export class ConcatDataset<T> extends Dataset<T> {
  /** The running total of the datasets' lengths: where each one ends. */
  readonly cumulativeSizes: number[];
  /** @param datasets - the datasets, in order (at least one) */
  constructor(readonly datasets: readonly Dataset<T>[]) {
    super();
    if (datasets.length === 0) throw new TypeError('ConcatDataset: datasets should not be an empty list');
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }
  get length(): number { return this.cumulativeSizes[this.cumulativeSizes.length - 1]!; }
  getItem(index: number): T | Promise<T> {
    const i = checkIndex('ConcatDataset', index, this.length);
    const d = this.cumulativeSizes.findIndex((end) => i < end);
    return this.datasets[d]!.getItem(d === 0 ? i : i - this.cumulativeSizes[d - 1]!);
  }
  override workerInit(): WorkerSpec | undefined {
    const inner = this.datasets.map((d) => d.workerInit?.());
    return inner.every((s) => s) ? { builtin: 'ConcatDataset', args: [inner] } : undefined;
  }
}

/**
 * Split into non-overlapping Subsets of the given lengths: counts summing to the length, or fractions
 * summing to 1 (remainders go one each to the first splits, as in PyTorch).
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts: { generator?: RandomSource; seed?: number } = {}): Subset<T>[] {
  const n = dataset.length;
  let counts = [...lengths];
  const total = lengths.reduce((a, b) => a + b, 0);
  const fractions = Math.abs(total - 1) < 1e-9 && lengths.every((l) => l >= 0 && l <= 1) && !(lengths.every(Number.isInteger) && total === n);
  if (fractions) {
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]!++;
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 0)) throw new RangeError(`randomSplit: lengths must be non-negative integers or fractions summing to 1, got [${lengths.join(', ')}]`);
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new RangeError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
  const rng = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : globalRandom);
  const perm = permutation(n, rng);
  let start = 0;
  return counts.map((c) => new Subset(dataset, perm.slice(start, (start += c))));
}
