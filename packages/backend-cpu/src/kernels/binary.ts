// Binary kernels over inputs already broadcast to the output shape (strides may be 0), and where.
// The loops themselves are generated (elementwise.gen.ts); this file picks per dtype.
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { binaryKernels as gen } from './elementwise.gen.js';
import { forEachRow2, settle } from './scalar.js';
import { numel } from './util.js';

const { mulInt32, ...rest } = gen;

// int32 products wrap exactly with Math.imul (a double product loses the low bits past 2^53)
const mul: Kernel<CpuArray> = (inputs, outputs, attrs) => (outputs[0]!.dtype === 'int32' ? mulInt32! : gen.mul!)(inputs, outputs, attrs);

export const binaryKernels: Record<string, Kernel<CpuArray>> = { ...rest, mul };

export const where: Kernel<CpuArray> = ([cond, a, b], [out]) => {
  const C = cond!.buffer, A = a!.buffer, B = b!.buffer, D = out!.buffer;
  const n = numel(out!.shape);
  if (n === 0) return;
  // cond and a share the row walk; b's offsets follow the same odometer
  const bo: number[] = [];
  forEachRow2(out!.shape, b!, b!, (ib, _x, o, len, sb) => { for (let j = 0; j < len; j++) bo[o + j] = ib + j * sb; });
  forEachRow2(out!.shape, cond!, a!, (ic, ia, o, len, sc, sa) => {
    for (let j = 0; j < len; j++, ic += sc, ia += sa) D[o + j] = C[ic] ? A[ia]! : B[bo[o + j]!]!;
  });
  settle(out!);
};
