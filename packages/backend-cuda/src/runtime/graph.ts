// CUDA graphs, as torch.cuda.graph: the work a function enqueues on the compute stream is captured once
// (cuStreamBeginCapture … cuStreamEndCapture) and replayed with one cuGraphLaunch. Memory the captured
// work allocates comes from a private pool that lives as long as the graph, so the addresses baked into
// the graph stay valid; inputs are static tensors the caller refills before each replay.
import type { Handle } from './driver.js';
import type { CudaRuntime } from './runtime.js';

let nextPool = 1;

/** A captured sequence of device work (torch.cuda.CUDAGraph). */
export class CudaGraph {
  #graph: Handle | null = null;
  #exec: Handle | null = null;
  readonly #pool = nextPool++;
  #disposed = false;

  readonly #rt: CudaRuntime;
  /**
   * Use {@link cudaGraph} (the package's export) to make one.
   * @internal
   */
  constructor(runtime: CudaRuntime) { this.#rt = runtime; }

  /** The private memory pool of this graph's allocations. */
  get pool(): number { return this.#pool; }
  /** Whether capture has finished. */
  get captured(): boolean { return this.#exec !== null; }

  /**
   * Captures the device work `fn` enqueues (it runs once now, recording instead of executing). `fn` must be
   * synchronous and must not read tensors back; run it eagerly a few times first (warm-up) so caches such as
   * cuDNN's algorithm choice are filled outside the capture, as torch recommends.
   */
  capture<R>(fn: () => R): R {
    if (this.#disposed) throw new Error('cudaGraph.capture: the graph was disposed');
    if (this.#exec) throw new Error('cudaGraph.capture: this graph is already captured; make a new cudaGraph() for another capture');
    const rt = this.#rt;
    if (rt.capturing) throw new Error('cudaGraph.capture: another capture is in progress; captures cannot nest');
    const endPool = rt.allocator.usePool(this.#pool);
    rt.driver.beginCapture(rt.compute);
    rt.capturing = true;
    let result: R;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new Error('cudaGraph.capture: the captured function returned a Promise; capture a synchronous step (reads and awaits are not capturable)');
      }
    } finally {
      rt.capturing = false;
      endPool();
      // end the capture even when fn threw, so the stream is usable again
      const g = rt.driver.endCapture(rt.compute);
      this.#graph = g;
    }
    this.#exec = rt.driver.graphInstantiate(this.#graph!);
    return result;
  }

  /** Enqueues the captured work again on the compute stream (torch's graph.replay()). */
  replay(): void {
    if (!this.#exec) throw new Error('cudaGraph.replay: capture the graph first (graph.capture(fn))');
    this.#rt.driver.graphLaunch(this.#exec, this.#rt.compute);
  }

  /** Frees the graph; its private pool's memory returns to the driver at the next emptyCache(). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#graph && this.#exec) this.#rt.driver.graphDestroy(this.#graph, this.#exec);
    this.#graph = this.#exec = null;
    this.#rt.allocator.releasePool(this.#pool);
  }
}

/** A captured training step: `replay()` runs it again; the step's outputs are the tensors it returned at capture. */
export interface CapturedStep<R> {
  /** What the step returned during capture (its static outputs, refreshed by each replay). */
  readonly outputs: R;
  /** Runs the whole step again. */
  replay(): void;
  /** The underlying graph. */
  readonly graph: CudaGraph;
}

/**
 * Warms `step` up eagerly `warmup` times (filling allocator and algorithm caches), then captures one call
 * into a CUDA graph. Inputs must be tensors the step reads in place (static inputs): copy new data into
 * them before each replay, as with torch.cuda.graph.
 */
export function captureStepOn<R>(runtime: CudaRuntime, step: () => R, opts: { warmup?: number } = {}): CapturedStep<R> {
  const warmup = opts.warmup ?? 3;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`captureStep: warmup must be a non-negative integer, got ${warmup}`);
  for (let i = 0; i < warmup; i++) step();
  const graph = new CudaGraph(runtime);
  const outputs = graph.capture(step);
  return { outputs, graph, replay: () => graph.replay() };
}
