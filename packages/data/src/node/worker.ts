// The worker thread's side of the DataLoader pool: build the dataset from its WorkerSpec, then answer
// batch requests with samples in host form (typed arrays, transferred, not copied). Before each getItem it
// writes the request and the item into shared memory, so the main thread can name the item if this thread
// hangs or exits.
import { parentPort, workerData } from 'node:worker_threads';
import { listBackends } from '@flint/core';
import type { Dataset, WorkerSpec } from '../dataset.js';
import { ConcatDataset, Subset } from '../dataset.js';
import { disposeTree, toHost } from '../loader/collate.js';
import { Generator, withSampleGenerator } from '../random.js';
import { CIFAR10, FashionMNIST, MNIST } from './vision.js';
import { ChestXray14 } from './chestxray.js';
import { IMDB } from './imdb.js';
import type { SerializedError } from './errors.js';
import { serializeError } from './errors.js';

export interface LoadRequest { id: number; indices: number[]; key: [number, number] }
export type LoadReply = { id: number; items: unknown[] } | { id: number; error: SerializedError; index: number };
/** What workerData carries: the spec, and [request id, item index] in shared memory (-1 when idle). */
export interface WorkerInit { spec: WorkerSpec; progress: SharedArrayBuffer }

const BUILTINS: Record<string, new (...args: never[]) => Dataset> = { MNIST, FashionMNIST, CIFAR10, ChestXray14, IMDB };

async function build(spec: WorkerSpec): Promise<Dataset> {
  const args = spec.args ?? [];
  if (spec.builtin === 'Subset') return new Subset(await build(args[0] as WorkerSpec), args[1] as number[]);
  if (spec.builtin === 'ConcatDataset') return new ConcatDataset(await Promise.all((args[0] as WorkerSpec[]).map(build)));
  if (spec.builtin) {
    const C = BUILTINS[spec.builtin];
    if (!C) throw new Error(`DataLoader worker: unknown built-in dataset '${spec.builtin}'`);
    return new (C as unknown as new (...a: unknown[]) => Dataset)(...args);
  }
  if (!spec.module) throw new Error('DataLoader worker: the WorkerSpec names neither a module nor a builtin');
  const mod = (await import(String(spec.module))) as Record<string, unknown>;
  const name = spec.export ?? 'default';
  const make = mod[name];
  if (typeof make !== 'function') throw new Error(`DataLoader worker: ${String(spec.module)} has no function or class export '${name}'`);
  const isClass = /^class\b/.test(Function.prototype.toString.call(make));
  const ds = isClass ? new (make as new (...a: unknown[]) => Dataset)(...args) : await (make as (...a: unknown[]) => Dataset | Promise<Dataset>)(...args);
  if (!ds || typeof (ds as Dataset).getItem !== 'function') throw new Error(`DataLoader worker: ${String(spec.module)}#${name} did not give a dataset with getItem()`);
  return ds;
}

async function main(): Promise<void> {
  const port = parentPort!;
  // samples made of tensors need a backend here; the CPU one unless the dataset module registered its own
  if (listBackends().length === 0) await import('@flint/backend-cpu').catch(() => undefined);
  const init = workerData as WorkerInit;
  const progress = new Int32Array(init.progress);
  let dataset: Dataset;
  try {
    dataset = await build(init.spec);
  } catch (e) {
    port.postMessage({ init: 'error', error: serializeError(e) });
    return;
  }
  port.postMessage({ init: 'ready' });
  let queue = Promise.resolve();
  port.on('message', (req: LoadRequest) => {
    queue = queue.then(async () => {
      const gen = new Generator(req.key);
      const items: unknown[] = [];
      let index = -1;
      try {
        Atomics.store(progress, 0, req.id);
        for (let j = 0; j < req.indices.length; j++) {
          index = req.indices[j]!;
          Atomics.store(progress, 1, index);
          items.push(await withSampleGenerator(gen.fork(j), () => dataset.getItem(index)));
        }
        index = -1;
        const transfer: ArrayBuffer[] = [];
        const host = toHost(items, transfer) as unknown[];
        port.postMessage({ id: req.id, items: host } satisfies LoadReply, transfer);
      } catch (e) {
        disposeTree(items); // the batch's items loaded before the failure
        port.postMessage({ id: req.id, error: serializeError(e), index } satisfies LoadReply);
      } finally {
        Atomics.store(progress, 0, -1);
      }
    });
  });
}

void main();
