// Worker threads for the DataLoader: one per numWorkers, batches dealt round robin, results in order.
// A worker holds the process open only while it has work (it is unref'd when idle, as PyTorch's daemon workers
// don't block exit); a worker that exits, crashes or (with `timeout`) makes no progress fails its batches with an
// error naming the worker and the item it was on, read from shared memory the worker writes before each getItem.
// From TypeScript sources (this repository's tests) the worker is started through tsx, resolving @flint/*
// to sources with tsconfig.workers.json, as vitest's aliases do on the main thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerSpec } from '../dataset.js';
import type { WorkerPool } from '../loader/dataloader.js';
import { DataLoaderError, DataLoaderTimeoutError } from '../loader/errors.js';
import type { SerializedError } from './errors.js';
import { reviveError } from './errors.js';
import type { LoadReply, WorkerInit } from './worker.js';

const here = import.meta.url;

function startWorker(workerData: WorkerInit): Worker {
  if (here.endsWith('.ts')) {
    const tsxLoader = createRequire(here).resolve('tsx'); // tsx/dist/loader.mjs; its ESM API sits beside it
    const api = pathToFileURL(join(dirname(tsxLoader), 'esm/api/index.mjs')).href;
    const entry = new URL('./worker.ts', here).href;
    const tsconfig = fileURLToPath(new URL('../../tsconfig.workers.json', here));
    const options = existsSync(tsconfig) ? JSON.stringify({ tsconfig }) : '';
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(${options}); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(new URL(here.endsWith('.cjs') ? './worker.cjs' : './worker.js', here), { workerData });
}

/** Make module paths absolute file URLs, so workers resolve them the same from anywhere. */
function normalise(spec: WorkerSpec): WorkerSpec {
  const args = spec.builtin === 'Subset' ? [normalise(spec.args![0] as WorkerSpec), spec.args![1]]
    : spec.builtin === 'ConcatDataset' ? [(spec.args![0] as WorkerSpec[]).map(normalise)] : spec.args;
  let module = spec.module;
  if (module !== undefined) {
    const m = String(module);
    module = /^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m) ? m : pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
  }
  return { ...spec, ...(module !== undefined ? { module } : {}), ...(args ? { args } : {}) };
}

interface Job { id: number; batch: number; indices: number[]; resolve: (items: unknown[]) => void; reject: (e: Error) => void }

/** One worker thread and the batches it has been sent (a Map keeps them in the order it works on them). */
interface Slot { worker: Worker; jobs: Map<number, Job>; progress: Int32Array; ready: boolean; gone: boolean; timer?: ReturnType<typeof setTimeout> }

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Seconds a worker may spend on one batch (counted from when it starts it); 0 waits for ever. */
  timeout?: number;
}

/** Starts `numWorkers` worker threads that each rebuild the dataset from `spec` and load batches of it. */
export function createWorkerPool(spec: WorkerSpec, numWorkers: number, opts: WorkerPoolOptions = {}): WorkerPool {
  const timeout = opts.timeout ?? 0;
  let failure: Error | undefined, closed = false;
  const normalised = normalise(spec);

  /** "item 5 (batch 2, items [4, 5])" for the job the worker is on, from what it last wrote to shared memory. */
  const where = (slot: Slot, job: Job): string => {
    const items = `items [${job.indices.join(', ')}]`;
    return Atomics.load(slot.progress, 0) === job.id ? `item ${Atomics.load(slot.progress, 1)} (batch ${job.batch}, ${items})` : `batch ${job.batch} (${items})`;
  };
  const first = (slot: Slot): Job | undefined => slot.jobs.values().next().value;
  // an idle worker must not keep the process alive; a busy one must, or a consumer awaiting it would see the process end
  const settle = (slot: Slot): void => {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.jobs.size === 0 || slot.gone) { slot.worker.unref(); return; }
    slot.worker.ref();
    if (timeout > 0 && slot.ready) slot.timer = setTimeout(() => timedOut(slot), timeout * 1000);
  };
  /** Fail every job of `slot` with `make(job)`, and the pool with the first of those errors. */
  const fail = (slot: Slot, make: (job: Job) => Error): void => {
    for (const job of slot.jobs.values()) { const e = make(job); failure ??= e; job.reject(e); }
    slot.jobs.clear();
    settle(slot);
  };
  const timedOut = (slot: Slot): void => {
    const w = slots.indexOf(slot), job = first(slot);
    if (!job || slot.gone) return;
    const e = new DataLoaderTimeoutError(`DataLoader worker ${w} timed out after ${timeout} s (timeout) loading ${where(slot, job)}`);
    slot.gone = true; // it may be stuck in a synchronous loop: only terminate() stops it
    fail(slot, () => e);
    void slot.worker.terminate();
  };

  const slots: Slot[] = Array.from({ length: numWorkers }, (_, w) => {
    const progress = new Int32Array(new SharedArrayBuffer(8)).fill(-1);
    const slot: Slot = { worker: startWorker({ spec: normalised, progress: progress.buffer as SharedArrayBuffer }), jobs: new Map(), progress, ready: false, gone: false };
    const { worker } = slot;
    worker.unref();
    worker.on('message', (msg: LoadReply | { init: 'ready' } | { init: 'error'; error: SerializedError }) => {
      if ('init' in msg) {
        if (msg.init === 'error') { slot.gone = true; const e = reviveError(msg.error, `DataLoader worker ${w} could not build the dataset: `); fail(slot, () => e); failure ??= e; }
        else { slot.ready = true; settle(slot); }
        return;
      }
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      slot.jobs.delete(msg.id);
      if ('error' in msg) job.reject(reviveError(msg.error, `DataLoader worker ${w}, item ${msg.index}: `));
      else job.resolve(msg.items);
      settle(slot);
    });
    worker.on('error', (e) => {
      slot.gone = true;
      fail(slot, (job) => Object.assign(new DataLoaderError(`DataLoader worker ${w} crashed while loading ${where(slot, job)}: ${e.message}`), { cause: e }));
      failure ??= Object.assign(new DataLoaderError(`DataLoader worker ${w} crashed between batches: ${e.message}`), { cause: e });
    });
    worker.on('exit', (code) => {
      if (closed || slot.gone) return;
      slot.gone = true;
      // process.exit(0) in a dataset is as fatal to the batch as a crash: nothing will ever answer it
      fail(slot, (job) => new DataLoaderError(`DataLoader worker ${w} exited (exit code ${code}) while loading ${where(slot, job)}`));
      failure ??= new DataLoaderError(`DataLoader worker ${w} exited (exit code ${code}) between batches`);
    });
    return slot;
  });

  let next = 0;
  return {
    load(indices, key, batch) {
      if (failure) return Promise.reject(failure);
      const id = next++, slot = slots[id % numWorkers]!;
      return new Promise<unknown[]>((resolve, reject) => {
        slot.jobs.set(id, { id, batch: batch ?? id, indices, resolve, reject });
        slot.worker.postMessage({ id, indices, key });
        if (slot.jobs.size === 1) settle(slot);
      });
    },
    async close() {
      closed = true;
      failure ??= new DataLoaderError('DataLoader: the worker pool is closed');
      for (const slot of slots) { slot.gone = true; fail(slot, () => failure!); }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
