// where over inputs already broadcast to the output shape (strides may be 0), and the integer
// division-by-zero check of remainder. The binary and scalar loops themselves are generated (elementwise.gen.ts).
import type { DType, Kernel } from '@flint/core';
import { ZeroDivisionError, fmtShape, isDense, isIntegral } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { binaryKernels as gen, scalarKernels as genScalar } from './elementwise.gen.js';
import { forEachRow3, settle } from './scalar.js';
import { dense, numel } from './util.js';
import type { T } from './util.js';

/** torch refuses integer division by zero; floats divide to inf/NaN as usual. */
function checkDivisor(dtype: DType, divisor: T | number): void {
  if (!isIntegral(dtype)) return;
  const zero = typeof divisor === 'number' ? divisor === 0 : dense(divisor).includes(0);
  if (zero) throw new ZeroDivisionError(`remainder: integer division by zero (${dtype}${typeof divisor === 'number' ? '' : `, divisor of shape ${fmtShape(divisor.shape)}`})`);
}

export const binaryKernels: typeof gen = {
  ...gen,
  remainder: (inputs, outputs, attrs) => { checkDivisor(outputs[0]!.dtype, inputs[1]!); gen.remainder!(inputs, outputs, attrs); },
};
export const scalarKernels: typeof genScalar = {
  ...genScalar,
  remainderScalar: (inputs, outputs, attrs) => {
    checkDivisor(outputs[0]!.dtype, attrs.reverse ? inputs[0]! : (attrs.scalar as number));
    genScalar.remainderScalar!(inputs, outputs, attrs);
  },
};

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
