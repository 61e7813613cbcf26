// Worker threads for the DataLoader: one per numWorkers, batches dealt round robin, results in order.
// From TypeScript sources (this repository's tests) the worker is started through tsx, resolving @flint/*
// to sources with tsconfig.workers.json, as vitest's aliases do on the main thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerSpec } from '../dataset.js';
import type { WorkerPool } from '../loader/dataloader.js';
import type { LoadReply } from './worker.js';

const here = import.meta.url;

function startWorker(spec: WorkerSpec): Worker {
  const workerData = { spec };
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

export function createWorkerPool(spec: WorkerSpec, numWorkers: number): WorkerPool {
  const pending = new Map<number, { resolve: (items: unknown[]) => void; reject: (e: Error) => void; worker: number }>();
  let failure: Error | undefined;
  const fail = (e: Error, worker?: number) => {
    failure ??= e;
    for (const [id, p] of pending) if (worker === undefined || p.worker === worker) { pending.delete(id); p.reject(e); }
  };
  const normalised = normalise(spec);
  const workers = Array.from({ length: numWorkers }, (_, w) => {
    const worker = startWorker(normalised);
    worker.on('message', (msg: LoadReply | { init: string; error?: string }) => {
      if ('init' in msg) { if (msg.init === 'error') fail(new Error(`DataLoader worker ${w} could not build the dataset:\n${msg.error}`)); return; }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if ('error' in msg) p.reject(new Error(`DataLoader worker ${w}:\n${msg.error}`));
      else p.resolve(msg.items);
    });
    worker.on('error', (e) => fail(new Error(`DataLoader worker ${w} failed: ${e.message}`), w));
    worker.on('exit', (code) => { if (code !== 0) fail(new Error(`DataLoader worker ${w} exited with code ${code}`), w); });
    return worker;
  });
  let next = 0;
  return {
    load(indices, key) {
      if (failure) return Promise.reject(failure);
      const id = next++, w = id % numWorkers;
      return new Promise<unknown[]>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: w });
        workers[w]!.postMessage({ id, indices, key });
      });
    },
    async close() {
      failure ??= new Error('DataLoader: the worker pool is closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
