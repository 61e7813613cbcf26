// The kernel table of the CPU backend: every required kernel and the optional ones it speeds up.
import type { KernelTable } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { binaryKernels, scalarKernels, where } from './binary.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import { arange, cast, copy, fill } from './creation.js';
import { unaryKernels } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { optimKernels } from './optim.js';
import { batchNorm, batchNormBackward, layerNorm } from './norm.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { random } from './random.js';
import { rnnKernels } from './rnn.js';
import { cumsum, reduceKernels } from './reduce.js';
import { crossEntropy, logSoftmax, softmax } from './softmax.js';

export const cpuKernels: KernelTable<CpuArray> = {
  copy, cast, fill, arange, random,
  ...unaryKernels,
  ...binaryKernels, ...scalarKernels, where,
  ...reduceKernels, cumsum,
  gather, scatterAdd, matmul,
  softmax, logSoftmax, crossEntropy,
  conv2d, conv2dBackwardInput, conv2dBackwardWeight,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  batchNorm, batchNormBackward, layerNorm,
  ...optimKernels,
  ...rnnKernels,
};
