// where over inputs already broadcast to the output shape (strides may be 0), the integer division-by-zero
// check of remainder and the negative-exponent check of integer pow. The binary and scalar loops themselves
// are generated (elementwise.gen.ts).
import type { DType, Kernel } from '@flint/core';
import { DTypeError, ZeroDivisionError, fmtShape, isDense, isIntegral } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { binaryKernels as gen, scalarKernels as genScalar } from './elementwise.gen.js';
import { words } from './int64.js';
import { forEachRow3, settle } from './scalar.js';
import { dense, numel } from './util.js';
import type { T } from './util.js';

/** torch refuses integer division by zero; floats divide to inf/NaN as usual. */
function checkDivisor(dtype: DType, divisor: T | number): void {
  if (!isIntegral(dtype)) return;
  const zero = typeof divisor === 'number' ? divisor === 0
    : dtype === 'int64' ? (dense(divisor) as BigInt64Array).includes(0n) : (dense(divisor) as NumArray).includes(0);
  if (zero) throw new ZeroDivisionError(`remainder: integer division by zero (${dtype}${typeof divisor === 'number' ? '' : `, divisor of shape ${fmtShape(divisor.shape)}`})`);
}

/** torch 1.13 refuses an integer tensor to a negative integer scalar power (a tensor exponent gives 0, ±1). */
function checkExponent(dtype: DType, exponent: number): void {
  if (isIntegral(dtype) && exponent < 0) {
    throw new DTypeError(`pow: integers to negative integer powers are not allowed (${dtype} ** ${exponent}); convert to a float first: x.float().pow(${exponent})`);
  }
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
  powScalar: (inputs, outputs, attrs) => {
    if (!attrs.reverse) checkExponent(outputs[0]!.dtype, attrs.scalar as number);
    genScalar.powScalar!(inputs, outputs, attrs);
  },
};

/** where on int64: the two words of the chosen branch. */
function where64(cond: T, a: T, b: T, out: T): void {
  const C = cond.buffer as Uint8Array, A = words(a.buffer), B = words(b.buffer), D = words(out.buffer);
  forEachRow3(out.shape, cond, a, b, (ic, ia, ib, o, len, sc, sa, sb) => {
    for (let j = 0; j < len; j++, ic += sc, ia += sa, ib += sb) {
      const k = 2 * (C[ic] ? ia : ib), S = C[ic] ? A : B;
      D[2 * (o + j)] = S[k]!; D[2 * (o + j) + 1] = S[k + 1]!;
    }
  });
}

export const where: Kernel<CpuArray> = ([cond, a, b], [out]) => {
  if (out!.dtype === 'int64') { where64(cond!, a!, b!, out!); return; }
  const C = cond!.buffer as NumArray, A = a!.buffer as NumArray, B = b!.buffer as NumArray, D = out!.buffer as NumArray;
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
