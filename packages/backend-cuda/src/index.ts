/**
 * `@flint/backend-cuda`: NVIDIA GPUs for Flint through the CUDA driver API, cuBLAS and cuDNN, bound at run
 * time with koffi (no build at install). `await initCuda()` registers the `'cuda'` backend; importing the
 * package does nothing else, so it loads on machines without a GPU.
 */
export { initCuda, setAllowTf32, ptxDir } from './init.js';
export type { CudaOptions } from './init.js';
export { memory, emptyCache, resetPeakMemoryStats, cudaGraph, captureStep } from './memory.js';
export type { CudaMemory } from './memory.js';
export { CudaGraph } from './runtime/graph.js';
export type { CapturedStep } from './runtime/graph.js';
export type { MemoryStats, Stat } from './runtime/allocator.js';
export { CudaCallError, CudaUnavailableError, statusName } from './errors.js';
export type { StatusLibrary } from './errors.js';
export { findLibrary, searchDirs } from './discovery/find.js';
export type { Found, SearchDir, SearchHost } from './discovery/find.js';
export { LIBRARIES } from './discovery/libraries.js';
export type { LibraryKey, LibrarySpec } from './discovery/libraries.js';
export { COMPOSITE_ON_CUDA } from './kernels/table.js';
export type { Tf32Flags } from './kernels/util.js';
