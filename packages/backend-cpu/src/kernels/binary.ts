// where over inputs already broadcast to the output shape (strides may be 0). The binary and scalar
// kernels themselves are generated (elementwise.gen.ts).
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { isDense } from '@flint/core';
import { forEachRow3, settle } from './scalar.js';
import { numel } from './util.js';

export { binaryKernels, scalarKernels } from './elementwise.gen.js';

export const where: Kernel<CpuArray> = ([cond, a, b], [out]) => {
  const C = cond!.buffer, A = a!.buffer, B = b!.buffer, D = out!.buffer;
  if (isDense(cond!.shape, cond!.strides) && isDense(a!.shape, a!.strides) && isDense(b!.shape, b!.strides)) {
    const n = numel(out!.shape), co = cond!.offset, ao = a!.offset, bo = b!.offset;
    for (let i = 0; i < n; i++) D[i] = C[co + i] ? A[ao + i]! : B[bo + i]!;
  } else {
    forEachRow3(out!.shape, cond!, a!, b!, (ic, ia, ib, o, len, sc, sa, sb) => {
      for (let j = 0; j < len; j++, ic += sc, ia += sa, ib += sb) D[o + j] = C[ic] ? A[ia]! : B[ib]!;
    });
  }
  settle(out!);
};
