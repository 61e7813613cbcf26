// Where kernel threads can come from: Node's worker_threads, or Web Workers inside a cross-origin
// isolated worker scope (a browser's main thread may not block in Atomics.wait, so it gets one thread).

/** The little of a Worker the pool uses. */
export interface WorkerHandle { terminate(): unknown }

/** A way to start kernel workers, and the default thread count. */
export interface ThreadEnv {
  /** Starts a worker running `source` with the kernel module, the shared memory, its control buffer and `native` (Node). */
  start(source: string, module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: SharedArrayBuffer, native?: unknown): WorkerHandle;
  /** The machine's available cores. */
  cores: number;
}

interface NodeWorker extends WorkerHandle { unref(): void }
interface NodeGlobals {
  process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => WorkerHandle & { postMessage(data: unknown): void };
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL(b: unknown): string };
}

function nodeEnv(g: NodeGlobals): ThreadEnv | null {
  const get = g.process?.getBuiltinModule;
  if (!get) return null;
  const wt = get('node:worker_threads') as { Worker: new (code: string, opts: { eval: true; workerData: unknown; execArgv: string[] }) => NodeWorker } | undefined;
  const os = get('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  if (!wt || !os) return null;
  return {
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    start(source, module, memory, ctrl, native) {
      // valid as a script and as a module; no inherited flags (a parent's --input-type=module or loader hooks)
      const code = `const { workerData: d } = process.getBuiltinModule('node:worker_threads');\n(${source})(d.module, d.memory, d.ctrl, d.native);`;
      const w = new wt.Worker(code, { eval: true, workerData: { module, memory, ctrl, native }, execArgv: [] });
      w.unref(); // an idle kernel worker never keeps a process alive
      return w;
    },
  };
}

function browserWorkerEnv(g: NodeGlobals): ThreadEnv | null {
  if (g.crossOriginIsolated !== true || g.WorkerGlobalScope === undefined || !g.Worker || !g.Blob || !g.URL) return null;
  const { Worker, Blob, URL } = g;
  return {
    cores: g.navigator?.hardwareConcurrency ?? 1,
    start(source, module, memory, ctrl) {
      const code = `self.onmessage = (e) => (${source})(e.data.module, e.data.memory, e.data.ctrl);`;
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      w.postMessage({ module, memory, ctrl });
      return w;
    },
  };
}

let detected: ThreadEnv | null | undefined;
let told = false;

/** The thread source of this engine, or null where kernels must run on the calling thread alone. */
export function threadEnv(): ThreadEnv | null {
  if (detected !== undefined) return detected;
  const g = globalThis as NodeGlobals;
  detected = typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined' ? null
    : g.process?.versions?.node ? nodeEnv(g) : browserWorkerEnv(g);
  if (!detected && !g.process?.versions?.node && !told) {
    told = true;
    console.info('@flint/backend-cpu: running on one thread. Kernel threads need a cross-origin isolated page '
      + '(COOP/COEP headers) and Flint running inside a Web Worker, since a page\'s main thread may not block.');
  }
  return detected;
}
