// where over inputs already broadcast to the output shape (strides may be 0), the integer division-by-zero
// check of remainder and the negative-exponent check of integer pow. The binary and scalar loops themselves
// are generated (elementwise.gen.ts).
import type { DType, Kernel } from '@flint/core';
import { DTypeError, ZeroDivisionError, fmtShape, isDense, isIntegral } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { binaryKernels as gen, scalarKernels as genScalar } from './elementwise.gen.js';
import { forEachRow3, settle } from './scalar.js';
import { dense, numel } from './util.js';
import { streamBinary } from './wasm-stream.js';
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

const allZero = (s: readonly number[]): boolean => s.every((v) => v === 0);
/** The 32-bit words of a buffer (a float64 or int64 element is two). */
const words32 = (b: CpuArray): Int32Array => new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);

/**
 * where as a bit select, D = (A & m) | (B & ~m) with m = 0 or -1 from the condition, on the 32-bit words
 * of the branches (`w` words per element): no branch on the mask, which on activations mispredicts half
 * the time (3-4x slower), and the chosen bits move untouched (NaN payloads, -0). The dense layouts and a
 * broadcast scalar branch (autograd's relu rule: where(mask, 0, g)) get their own loops.
 */
function select(cond: T, a: T, b: T, out: T, w: 1 | 2): void {
  const C = cond.buffer as Uint8Array, A = words32(a.buffer), B = words32(b.buffer), D = words32(out.buffer);
  const n = numel(out.shape), co = cond.offset, ao = w * a.offset, bo = w * b.offset, o = w * out.offset;
  const da = isDense(a.shape, a.strides), db = isDense(b.shape, b.strides), sa = !da && allZero(a.strides), sb = !db && allZero(b.strides);
  if (isDense(cond.shape, cond.strides) && (da || sa) && (db || sb)) {
    if (w === 1) {
      if (da && db) {
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          const m0 = -+(C[co + i] !== 0), m1 = -+(C[co + i + 1] !== 0), m2 = -+(C[co + i + 2] !== 0), m3 = -+(C[co + i + 3] !== 0);
          D[o + i] = (A[ao + i]! & m0) | (B[bo + i]! & ~m0); D[o + i + 1] = (A[ao + i + 1]! & m1) | (B[bo + i + 1]! & ~m1);
          D[o + i + 2] = (A[ao + i + 2]! & m2) | (B[bo + i + 2]! & ~m2); D[o + i + 3] = (A[ao + i + 3]! & m3) | (B[bo + i + 3]! & ~m3);
        }
        for (; i < n; i++) { const m = -+(C[co + i] !== 0); D[o + i] = (A[ao + i]! & m) | (B[bo + i]! & ~m); }
      }
      else if (db) {
        // unrolled by 4 (as the generated loops): the loop's own per-iteration checks cost about as much as the select
        const x = A[ao]!;
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          const m0 = -+(C[co + i] !== 0), m1 = -+(C[co + i + 1] !== 0), m2 = -+(C[co + i + 2] !== 0), m3 = -+(C[co + i + 3] !== 0);
          D[o + i] = (x & m0) | (B[bo + i]! & ~m0); D[o + i + 1] = (x & m1) | (B[bo + i + 1]! & ~m1);
          D[o + i + 2] = (x & m2) | (B[bo + i + 2]! & ~m2); D[o + i + 3] = (x & m3) | (B[bo + i + 3]! & ~m3);
        }
        for (; i < n; i++) { const m = -+(C[co + i] !== 0); D[o + i] = (x & m) | (B[bo + i]! & ~m); }
      }
      else if (da) {
        const y = B[bo]!;
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          const m0 = -+(C[co + i] !== 0), m1 = -+(C[co + i + 1] !== 0), m2 = -+(C[co + i + 2] !== 0), m3 = -+(C[co + i + 3] !== 0);
          D[o + i] = (A[ao + i]! & m0) | (y & ~m0); D[o + i + 1] = (A[ao + i + 1]! & m1) | (y & ~m1);
          D[o + i + 2] = (A[ao + i + 2]! & m2) | (y & ~m2); D[o + i + 3] = (A[ao + i + 3]! & m3) | (y & ~m3);
        }
        for (; i < n; i++) { const m = -+(C[co + i] !== 0); D[o + i] = (A[ao + i]! & m) | (y & ~m); }
      }
      else { const x = A[ao]!, y = B[bo]!; for (let i = 0; i < n; i++) { const m = -+(C[co + i] !== 0); D[o + i] = (x & m) | (y & ~m); } }
      return;
    }
    // two words per element; a broadcast branch reads its words at step 0
    const ka = da ? 2 : 0, kb = db ? 2 : 0;
    for (let i = 0, ia = ao, ib = bo, k = o; i < n; i++, ia += ka, ib += kb, k += 2) {
      const m = -+(C[co + i] !== 0);
      D[k] = (A[ia]! & m) | (B[ib]! & ~m); D[k + 1] = (A[ia + 1]! & m) | (B[ib + 1]! & ~m);
    }
    return;
  }
  forEachRow3(out.shape, cond, a, b, (ic, ia, ib, r, len, sc, sa, sb) => {
    for (let j = 0, k = o + w * r; j < len; j++, ic += sc, ia += sa, ib += sb, k += w) {
      const m = -+(C[ic] !== 0);
      D[k] = (A[w * ia]! & m) | (B[w * ib]! & ~m);
      if (w === 2) D[k + 1] = (A[2 * ia + 1]! & m) | (B[2 * ib + 1]! & ~m);
    }
  });
}

export const where: Kernel<CpuArray> = ([cond, a, b], [out]) => {
  const buf = out!.buffer;
  if (buf instanceof Float32Array || buf instanceof Int32Array) select(cond!, a!, b!, out!, 1);
  else if (buf instanceof Float64Array || buf instanceof BigInt64Array) select(cond!, a!, b!, out!, 2);
  else {
    // bool and uint8
    const C = cond!.buffer as NumArray, A = a!.buffer as NumArray, B = b!.buffer as NumArray, D = buf;
    forEachRow3(out!.shape, cond!, a!, b!, (ic, ia, ib, o, len, sc, sa, sb) => {
      for (let j = 0; j < len; j++, ic += sc, ia += sa, ib += sb) D[o + j] = C[ic] ? A[ia]! : B[ib]!;
    });
  }
  if (out!.dtype !== 'int64') settle(out!);
};

/**
 * reluBackward: [gradOut, out] (dense, one float dtype) → gradOut where out > 0 or out is NaN, else +0: a
 * bit select on 32-bit words (two per float64), so the kept gradient's bits pass untouched and no branch
 * depends on the data.
 */
export const reluBackward: Kernel<CpuArray> = ([g, o], [out]) => {
  const n = numel(out!.shape), O = o!.buffer as NumArray, G = g!.buffer, D = out!.buffer;
  if (G instanceof Float32Array && O instanceof Float32Array && D instanceof Float32Array
    && streamBinary('reluGrad', G, g!.offset, O, o!.offset, D, out!.offset, n)) return;
  const Gi = words32(G), Di = words32(D);
  if (O instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const v = O[i]!, keep = -(+(v > 0) | +(v !== v));
      Di[2 * i] = Gi[2 * i]! & keep; Di[2 * i + 1] = Gi[2 * i + 1]! & keep;
    }
  } else {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v0 = O[i]!, v1 = O[i + 1]!, v2 = O[i + 2]!, v3 = O[i + 3]!;
      Di[i] = Gi[i]! & -(+(v0 > 0) | +(v0 !== v0));
      Di[i + 1] = Gi[i + 1]! & -(+(v1 > 0) | +(v1 !== v1));
      Di[i + 2] = Gi[i + 2]! & -(+(v2 > 0) | +(v2 !== v2));
      Di[i + 3] = Gi[i + 3]! & -(+(v3 > 0) | +(v3 !== v3));
    }
    for (; i < n; i++) { const v = O[i]!; Di[i] = Gi[i]! & -(+(v > 0) | +(v !== v)); }
  }
};
