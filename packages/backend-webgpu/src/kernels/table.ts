// The backend's kernel table: every family's kernels, keyed by schema name.
import type { KernelTable } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import { convKernels } from './conv.js';
import { creationKernels } from './creation.js';
import { elementwiseKernels } from './elementwise.js';
import { fusedKernels } from './fused.js';
import { indexingKernels } from './indexing.js';
import { matmulKernels } from './matmul.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { rowKernels } from './rows.js';
import { sequenceKernels } from './sequence.js';

/** Every kernel this backend implements. */
export function kernelTable(gpu: Gpu): KernelTable<WgBuffer> {
  return { ...elementwiseKernels(gpu), ...creationKernels(gpu), ...reduceKernels(gpu), ...indexingKernels(gpu), ...matmulKernels(gpu), ...convKernels(gpu), ...fusedKernels(gpu), ...rowKernels(gpu), ...poolKernels(gpu), ...sequenceKernels(gpu) };
}
