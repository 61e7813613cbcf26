// The DataLoader with worker threads (Node): the same loader, with numWorkers > 0 allowed.
import type { WorkerSpec } from '../dataset.js';
import type { WorkerPool } from '../loader/dataloader.js';
import { DataLoader as BaseDataLoader } from '../loader/dataloader.js';
import type { Collated } from '../loader/dataloader.js';
import { createWorkerPool } from './pool.js';

/**
 * DataLoader whose numWorkers > 0 loads samples in worker threads. Each worker rebuilds the dataset from
 * `options.worker` or `dataset.workerInit()` (see WorkerSpec); samples come back as typed arrays and become
 * tensors here, and the random transforms draw from per-sample generators, so batches are identical
 * for any numWorkers.
 */
export class DataLoader<T = unknown, B = Collated<T>> extends BaseDataLoader<T, B> {
  protected override createPool(spec: WorkerSpec, numWorkers: number, opts: { timeout: number }): WorkerPool { return createWorkerPool(spec, numWorkers, opts); }
}
