// The CUDA backend's kernel table, keyed by schema name, and the optional kernels it leaves to core's
// composites (with why). cuDNN kernels are in the table only when cuDNN was found.
import type { KernelName, KernelTable } from '@flint/core';
import { convKernels } from './conv.js';
import { creationKernels } from './creation.js';
import { STRIDED_ELEMENTWISE, elementwiseKernels } from './elementwise.js';
import { indexingKernels } from './indexing.js';
import { linalgKernels } from './linalg.js';
import { normKernels } from './norm.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { rnnSequenceKernels } from './rnn-seq.js';
import type { CudaBuffer, DeviceContext } from './util.js';

/** Optional kernels the CUDA backend leaves to core's composite, and why. */
export const COMPOSITE_ON_CUDA: Readonly<Partial<Record<KernelName, string>>> = {
  scaledDotProductAttention: 'composite runs as two cuBLAS matmuls around the softmax kernel',
  // contract 2.2's training pair (cuDNN's training forward and backward data) is not bound yet: training runs
  // the cuDNN gruSequence forward, and core's gradient loops gruCellBackward kernels
  gruSequenceTrain: 'not bound yet: training runs the cuDNN gruSequence forward kernel',
  gruSequenceBackward: 'not bound yet: a gruCellBackward kernel and a cuBLAS matmul per step',
  batchNormStats: "not written yet: the composite's reductions run as CUDA kernels",
  reluBackward: 'not written yet: the composite is the le and where kernels',
  batchNormRelu: 'not written yet: the composite runs the cuDNN batchNorm kernel, then the relu kernel',
  batchNormReluBackward: 'not written yet: the composite runs the reluBackward composite, then the cuDNN batchNormBackward kernel',
  lstmSequenceTrain: 'not bound yet: LSTM training runs the cell loop on the CUDA cell kernels',
  lstmSequenceBackward: 'not bound yet: LSTM training runs the cell loop on the CUDA cell kernels',
};

/** Kernels that need cuDNN: without it they are left out and core's composites run. */
export const CUDNN_KERNELS: readonly KernelName[] = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'batchNorm', 'batchNormBackward', 'gruSequence', 'lstmSequence'];

/** Every kernel of the backend for `ctx`. */
export function kernelTable(ctx: DeviceContext): KernelTable<CudaBuffer> {
  return {
    ...elementwiseKernels(ctx), ...creationKernels(ctx), ...reduceKernels(ctx), ...indexingKernels(ctx), ...linalgKernels(ctx), ...poolKernels(ctx),
    ...(ctx.dnn ? { ...convKernels(ctx), ...normKernels(ctx), ...rnnSequenceKernels(ctx) } : {}),
  } as KernelTable<CudaBuffer>;
}

/** Kernels that take strided views: the elementwise family and the storage kernels copy and cast. */
export const STRIDED_KERNELS = [...STRIDED_ELEMENTWISE, 'copy', 'cast'] as readonly KernelName[];
