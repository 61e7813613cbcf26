/**
 * `@flint/backend-cpu`: importing this module registers the 'cpu' device with `@flint/core`.
 * @module @flint/backend-cpu
 */
import { registerBackend } from '@flint/core';
import { createCpuBackend } from './backend.js';

export { createCpuBackend } from './backend.js';
export type { CpuArray } from './backend.js';

registerBackend('cpu', createCpuBackend, 0);
export { disposeThreads, getNumThreads, setNumThreads } from './threads/pool.js';
export { getBlas, setBlas } from './blas/native.js';
export { cachedBufferBytes, emptyCache, getCacheLimit, setCacheLimit } from './buffer-cache.js';
export type { BlasInfo } from './blas/native.js';
