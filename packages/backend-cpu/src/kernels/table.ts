// The kernel table of the CPU backend: every required kernel and the optional ones it speeds up.
import type { Kernel, KernelTable } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { binaryKernels, reluBackward, scalarKernels, where } from './binary.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import { arange, cast, copy, fill } from './creation.js';
import { unaryKernels } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { optimKernels } from './optim.js';
import { batchNorm, batchNormBackward, batchNormRelu, batchNormReluBackward, batchNormStats, layerNorm } from './norm.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { random } from './random.js';
import { rnnKernels } from './rnn.js';
import { gruSequence, gruSequenceBackward, gruSequenceTrain, lstmSequence, lstmSequenceBackward, lstmSequenceTrain } from './rnn-sequence.js';
import { cumsum, reduceKernels } from './reduce.js';
import { crossEntropy, logSoftmax, softmax } from './softmax.js';

/** Kernels the schema only sends float buffers (never int64), typed for the table: the same functions. */
const floats = <K extends string>(ks: Record<K, Kernel<NumArray>>): Record<K, Kernel<CpuArray>> => ks as unknown as Record<K, Kernel<CpuArray>>;

export const cpuKernels: KernelTable<CpuArray> = {
  copy, cast, fill, arange,
  ...unaryKernels,
  ...binaryKernels, ...scalarKernels, where, reluBackward,
  ...reduceKernels, cumsum,
  gather, scatterAdd, matmul,
  crossEntropy,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  ...floats({
    random, softmax, logSoftmax, conv2d, conv2dBackwardInput, conv2dBackwardWeight,
    batchNorm, batchNormRelu, batchNormBackward, batchNormReluBackward, batchNormStats, layerNorm, ...optimKernels, ...rnnKernels, gruSequence, gruSequenceTrain, gruSequenceBackward, lstmSequence, lstmSequenceTrain, lstmSequenceBackward,
  }),
};
