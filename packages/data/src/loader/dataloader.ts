// DataLoader: batches of a dataset, shuffled reproducibly per epoch, loaded ahead of the consumer
// (and, from '@flint/data/node', in worker threads). Batches loaded ahead are freed when an iteration ends
// early (break, return(), throw) or its iterator is dropped and garbage-collected.
import { Tensor, checkOptions, optionKeys } from '@flint/core';
import type { Dataset, WorkerSpec } from '../dataset.js';
import { IterableDataset } from '../dataset.js';
import { Generator, drawSeed, withSampleGenerator } from '../random.js';
import type { Sampler } from './sampler.js';
import { BatchSampler, RandomSampler, SequentialSampler } from './sampler.js';
import { collectTensors, defaultCollate, disposeTree, fromHost } from './collate.js';
import { DataLoaderTimeoutError } from './errors.js';

/** The batch type defaultCollate makes from items of type T. */
export type Collated<T> = T extends Tensor | number | boolean | bigint | ArrayBufferView ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends Record<string, unknown> ? { [K in keyof T]: Collated<T[K]> }
  : T[];

/**
 * What `batchSampler` takes: an iterable of index lists.
 * @property length - the number of batches
 * @property setEpoch - sets the epoch, for samplers that shuffle per epoch
 */
export interface BatchSamplerLike extends Iterable<number[]> { readonly length: number; setEpoch?(epoch: number): void }

/** Options of {@link DataLoader}, torch's keyword arguments in camelCase. */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** A fresh permutation every epoch, derived from `seed` and the epoch number. */
  shuffle?: boolean;
  /** The order of indices (excludes `shuffle`). */
  sampler?: Sampler;
  /** Yields lists of indices; excludes batchSize, shuffle, sampler and dropLast. */
  batchSampler?: BatchSamplerLike;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Builds a batch from its items (default: stacks tensors and numbers, recursing into arrays and objects). */
  collate?: (items: T[]) => B;
  /** Worker threads that load samples (Node, through '@flint/data/node'); 0 loads on the main thread. */
  numWorkers?: number;
  /** Batches loaded ahead of the consumer: per worker (PyTorch's prefetch_factor), or in total with no workers. */
  prefetch?: number;
  /** Seeds shuffling and random transforms; drawn from the global stream (manualSeed) when left out. */
  seed?: number | bigint;
  /** Move each batch's tensors here. */
  device?: string;
  /** How workers build the dataset, when it has no workerInit() of its own (see WorkerSpec). */
  worker?: WorkerSpec;
  /**
   * Seconds a worker may spend on one batch (PyTorch's `timeout`), counted from when it starts the batch, after it
   * has built its dataset; 0 (the default) waits for ever. On the main thread (numWorkers: 0) it bounds each
   * asynchronous getItem; a synchronous getItem there cannot be interrupted.
   */
  timeout?: number;
}

const DATALOADER_KEYS = optionKeys<DataLoaderOptions<unknown, unknown>>()('batchSize', 'shuffle', 'sampler', 'batchSampler', 'dropLast', 'collate', 'numWorkers', 'prefetch', 'seed', 'device', 'worker', 'timeout');

/** Loads batches for the DataLoader; the Node entry provides one backed by worker threads. */
export interface WorkerPool {
  /** Items of one batch (batch number `batch` of the epoch), in host form (see toHost), loaded with sample generators forked from `key`. */
  load(indices: number[], key: [number, number], batch?: number): Promise<unknown[]>;
  /** Stop the workers; loads still pending reject at once. */
  close(): Promise<void>;
}

/** What an iteration holds: freed by the iteration's own `finally`, or, if its iterator is dropped, by the GC. */
interface Iteration { pool?: WorkerPool; inflight: Promise<unknown>[] }

async function release(it: Iteration): Promise<void> {
  const { pool, inflight } = it;
  it.pool = undefined;
  it.inflight = [];
  const closing = pool?.close(); // first, so loads nobody will take are not waited for
  for (const p of inflight) p.then((batch) => disposeTree(batch), () => {});
  await Promise.allSettled([...inflight, closing]);
}

const dropped = new FinalizationRegistry<Iteration>((it) => { void release(it); });

const AUGMENT_STREAM = 0x7_0000_0000; // keeps augmentation draws apart from the sampler's epochs

/** Batches of a dataset, loaded on the main thread or in worker threads: `for await (const [x, y] of loader)`. */
export class DataLoader<T = unknown, B = Collated<T>> implements AsyncIterable<B> {
  /** The dataset batches come from. */
  readonly dataset: Dataset<T> | IterableDataset<T>;
  /** Items per batch. */
  readonly batchSize: number;
  /** Worker threads loading batches; 0 loads on the main thread. */
  readonly numWorkers: number;
  /** Batches loaded ahead of the consumer. */
  readonly prefetch: number;
  /** Seconds; 0 waits for ever. */
  readonly timeout: number;
  /** The batch sampler in use (given, or built from the options); undefined for an iterable dataset. */
  readonly batchSampler: BatchSamplerLike | undefined;
  private readonly collate: (items: T[]) => B;
  private readonly augment: Generator;
  private epoch = 0;

  /**
   * @param dataset - a map-style or iterable dataset
   * @param options - batching, order, workers and device
   */
  constructor(dataset: Dataset<T> | IterableDataset<T>, readonly options: DataLoaderOptions<T, B> = {}) {
    checkOptions('DataLoader', options, DATALOADER_KEYS);
    const { batchSize = 1, shuffle = false, sampler, batchSampler, dropLast = false, numWorkers = 0, prefetch = 2, timeout = 0 } = options;
    this.dataset = dataset;
    this.batchSize = batchSize;
    if (!Number.isInteger(numWorkers) || numWorkers < 0) throw new RangeError(`DataLoader: numWorkers should be a non-negative integer, got ${numWorkers}`);
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new RangeError(`DataLoader: prefetch should be a positive integer, got ${prefetch}`);
    if (!(timeout >= 0 && Number.isFinite(timeout))) throw new RangeError(`DataLoader: timeout should be a non-negative number of seconds, got ${timeout}`);
    this.numWorkers = numWorkers;
    this.prefetch = prefetch;
    this.timeout = timeout;
    this.collate = options.collate ?? (defaultCollate as (items: T[]) => B);
    const base = new Generator(options.seed ?? drawSeed());
    this.augment = base.fork(AUGMENT_STREAM);
    if (dataset instanceof IterableDataset) {
      if (shuffle || sampler || batchSampler) throw new TypeError('DataLoader: an IterableDataset takes no shuffle, sampler or batchSampler');
      if (numWorkers > 0) throw new TypeError('DataLoader: an IterableDataset is loaded on the main thread (numWorkers: 0)');
      return;
    }
    if (batchSampler) {
      if (options.batchSize !== undefined || shuffle || sampler || dropLast) throw new TypeError('DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast');
      this.batchSampler = batchSampler;
      return;
    }
    if (sampler && shuffle) throw new TypeError('DataLoader: sampler option is mutually exclusive with shuffle');
    const s = sampler ?? (shuffle ? new RandomSampler(dataset, { generator: base }) : new SequentialSampler(dataset));
    this.batchSampler = new BatchSampler(s, batchSize, dropLast);
  }

  /** Batches per epoch. */
  get length(): number {
    if (!this.batchSampler) throw new TypeError('DataLoader: an IterableDataset has no length');
    return this.batchSampler.length;
  }

  /** Set the epoch the next iteration runs (otherwise each iteration counts one up from 0). */
  setEpoch(epoch: number): void { this.epoch = epoch; }

  /** Worker threads; only '@flint/data/node' can start them. */
  protected createPool(_spec: WorkerSpec, _numWorkers: number, _opts: { timeout: number }): WorkerPool {
    throw new TypeError("DataLoader: numWorkers > 0 needs worker threads; in Node, import { DataLoader } from '@flint/data/node'");
  }

  /** Batches load asynchronously: `for (const b of loader)` is a mistake, and says so (rather than "not iterable"). */
  [Symbol.iterator](): never {
    throw new TypeError('DataLoader: batches load asynchronously; iterate with `for await (const batch of loader)` inside an async function');
  }

  /** One epoch's batches; breaking out of the loop frees what was loaded ahead. */
  [Symbol.asyncIterator](): AsyncIterator<B> {
    const state: Iteration = { inflight: [] };
    const it = this.iterate(state);
    dropped.register(it, state, state);
    return it;
  }

  private async *iterate(state: Iteration): AsyncGenerator<B> {
    const epoch = this.epoch++;
    if (this.dataset instanceof IterableDataset) { yield* this.iterateStream(this.dataset); return; }
    const dataset = this.dataset;
    const batches = this.batchSampler!;
    batches.setEpoch?.(epoch);
    const augment = this.augment.fork(epoch);
    if (this.numWorkers > 0) {
      const spec = this.options.worker ?? dataset.workerInit?.();
      if (!spec) throw new TypeError(`DataLoader: numWorkers > 0 needs a dataset workers can rebuild: ${dataset.constructor.name} has no workerInit(); pass { worker: { module, export, args } }`);
      state.pool = this.createPool(spec, this.numWorkers, { timeout: this.timeout });
    }
    const loadBatch = async (b: number, indices: number[]): Promise<B> => {
      const gen = augment.fork(b);
      if (state.pool) return this.finish(fromHost(await state.pool.load(indices, gen.key, b)) as T[]);
      const items: T[] = [];
      try {
        for (let j = 0; j < indices.length; j++) items.push(await this.loadItem(dataset, indices[j]!, gen.fork(j), b, indices));
      } catch (e) {
        disposeTree(items); // the items of this batch loaded before the failure
        throw e;
      }
      return this.finish(items);
    };
    const ahead = this.prefetch * Math.max(1, this.numWorkers);
    const inflight = state.inflight as Promise<B>[];
    const it = batches[Symbol.iterator]();
    let b = 0;
    const launch = (): void => {
      const next = it.next();
      if (next.done) return;
      const p = loadBatch(b++, next.value);
      p.catch(() => {}); // awaited in order below; this only stops an early rejection from going unhandled
      inflight.push(p);
    };
    try {
      while (inflight.length < ahead) { const before = b; launch(); if (b === before) break; }
      while (inflight.length > 0) {
        const p = inflight.shift()!;
        launch();
        yield await p;
      }
    } finally {
      // the consumer stopped early (break, return(), throw) or a batch failed: free what was loaded ahead
      dropped.unregister(state);
      await release(state);
    }
  }

  /** One item on the main thread; an asynchronous getItem is bounded by `timeout` (a synchronous one can't be). */
  private async loadItem(dataset: Dataset<T>, index: number, gen: Generator, b: number, indices: number[]): Promise<T> {
    const item = withSampleGenerator(gen, () => dataset.getItem(index));
    if (this.timeout <= 0 || !(item instanceof Promise)) return item;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        item.then((late) => disposeTree(late), () => {}); // nobody will take it when it does arrive
        reject(new DataLoaderTimeoutError(`DataLoader: getItem(${index}) did not settle within ${this.timeout} s (timeout), in batch ${b} (items [${indices.join(', ')}])`));
      }, this.timeout * 1000);
    });
    try { return await Promise.race([item, expired]); } finally { clearTimeout(timer); }
  }

  private async *iterateStream(dataset: IterableDataset<T>): AsyncGenerator<B> {
    let items: T[] = [];
    const dropLast = this.options.dropLast ?? false;
    for await (const item of { [Symbol.asyncIterator]: () => dataset[Symbol.asyncIterator]() }) {
      items.push(item);
      if (items.length === this.batchSize) { yield this.finish(items); items = []; }
    }
    if (items.length > 0 && !dropLast) yield this.finish(items);
  }

  /** Collate, free the samples' own tensors, move to the device. */
  private finish(items: T[]): B {
    let batch: B;
    try { batch = this.collate(items); } catch (e) { disposeTree(items); throw e; }
    disposeTree(items, collectTensors(batch));
    const device = this.options.device;
    return device ? moveTree(batch, device) as B : batch;
  }
}

function moveTree(value: unknown, device: string): unknown {
  if (value instanceof Tensor) {
    if (value.device === device) return value;
    const moved = value.to(device);
    value.dispose();
    return moved;
  }
  if (Array.isArray(value)) return value.map((v) => moveTree(v, device));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, moveTree(v, device)]));
  }
  return value;
}
