// The user-facing memory and graph API of the device: memory() like torch.cuda.memory_stats,
// emptyCache(), resetPeakMemoryStats(), cudaGraph() and captureStep() like torch.cuda.graph.
import { currentContext } from './init.js';
import type { MemoryStats } from './runtime/allocator.js';
import { CudaGraph, captureStepOn, type CapturedStep } from './runtime/graph.js';

/**
 * The device's memory figures, as torch.cuda.memory_stats: bytes in tensors (`allocated`), bytes held
 * from the driver (`reserved`, which includes the cache), each with its peak; and the device's free/total.
 */
export interface CudaMemory extends MemoryStats {
  /** Reserved bytes not in tensors: what emptyCache() can return to the driver. */
  cached: number;
  /** The device's free bytes (all processes), from cuMemGetInfo. */
  deviceFree: number;
  /** The device's total bytes. */
  deviceTotal: number;
}

/** The caching allocator's statistics and the device's free/total memory. */
export function memory(): CudaMemory {
  const { rt } = currentContext('memory');
  const s = rt.allocator.stats, info = rt.driver.memGetInfo();
  const copy = (x: { current: number; peak: number }) => ({ ...x });
  return {
    allocated: copy(s.allocated), reserved: copy(s.reserved), allocations: copy(s.allocations), segments: copy(s.segments),
    numAllocRetries: s.numAllocRetries, numOoms: s.numOoms, cached: rt.allocator.cachedBytes, deviceFree: info.free, deviceTotal: info.total,
  };
}

/** Returns cached, unused device memory to the driver (torch.cuda.empty_cache). Tensors keep theirs. */
export function emptyCache(): void { currentContext('emptyCache').rt.allocator.emptyCache(); }

/** Resets the peaks of memory() to the current values (torch.cuda.reset_peak_memory_stats). */
export function resetPeakMemoryStats(): void { currentContext('resetPeakMemoryStats').rt.allocator.resetPeaks(); }

/** A new CUDA graph on the current device (torch.cuda.CUDAGraph): `graph.capture(fn)`, then `graph.replay()`. */
export function cudaGraph(): CudaGraph { return new CudaGraph(currentContext('cudaGraph').rt); }

/**
 * Runs `step` eagerly `warmup` times (default 3), then captures one call in a CUDA graph and returns it:
 * `replay()` reruns the whole step (forward, loss, backward, optimizer) with one launch. The step must read
 * its inputs from static tensors that you refill (copy_) before each replay.
 */
export function captureStep<R>(step: () => R, opts: { warmup?: number } = {}): CapturedStep<R> {
  return captureStepOn(currentContext('captureStep').rt, step, opts);
}
