// A child process for the DataLoader tests: takes one batch from a loader with worker threads and drops the
// iterator (PyTorch's next(iter(loader))), then prints the live tensor count and whether the worker pool was
// closed. It must exit on its own. argv: 'drop' (never touch the iterator again; with --expose-gc the garbage
// collector finds it) or 'return' (call return()).
import '@flint/backend-cpu';
import { memory } from '@flint/core';
import type { Tensor } from '@flint/core';
import { fileURLToPath } from 'node:url';
import type { WorkerPool, WorkerSpec } from '../node.js';
import { DataLoader } from '../node.js';
import { Faulty } from './hostile-worker.js';

let closed = false;
class Watched<T, B> extends DataLoader<T, B> {
  protected override createPool(spec: WorkerSpec, numWorkers: number, opts: { timeout: number }): WorkerPool {
    const pool = super.createPool(spec, numWorkers, opts);
    return { load: (...a) => pool.load(...a), close: () => { closed = true; return pool.close(); } };
  }
}

const mode = process.argv[2] ?? 'drop';
const module = fileURLToPath(new URL('./hostile-worker.ts', import.meta.url));
const loader = new Watched(new Faulty(16, -1, 'none'), { batchSize: 2, numWorkers: 2, prefetch: 2, worker: { module, export: 'Faulty', args: [16, -1, 'none'] } });
let it: AsyncIterator<[Tensor, Tensor]> | undefined = loader[Symbol.asyncIterator]() as AsyncIterator<[Tensor, Tensor]>;
const first = await it.next();
for (const t of first.value as Tensor[]) t.dispose();
if (mode === 'return') await it.return?.();
it = undefined;
await new Promise((r) => setTimeout(r, 500)); // let the batches loaded ahead arrive
const gc = (globalThis as { gc?: () => void }).gc;
for (let k = 0; gc && k < 5; k++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
console.log(JSON.stringify({ tensors: memory().tensors, closed }));
