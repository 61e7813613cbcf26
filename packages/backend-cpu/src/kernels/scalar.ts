// Scalar helpers and loop drivers for the generated elementwise kernels (elementwise.gen.ts).
import type { KernelTensor } from '@flint/core';
import { isDense } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { finish, numel, storeFn } from './util.js';

type T = KernelTensor<CpuArray>;

export const DENSE = 0, B_SCALAR = 1, A_SCALAR = 2, STRIDED = 3;
const allZero = (s: readonly number[]): boolean => s.every((v) => v === 0);

/** Which loop a binary kernel can take: both dense, one operand a broadcast scalar, or rows. */
export function binaryLayout(a: T, b: T): number {
  const da = isDense(a.shape, a.strides), db = isDense(b.shape, b.strides);
  if (da && db) return DENSE;
  if (da && allZero(b.strides)) return B_SCALAR;
  if (db && allZero(a.strides)) return A_SCALAR;
  return STRIDED;
}

/**
 * Merge adjacent dims that every operand walks as one (stride[d] = stride[d+1] * shape[d+1]), so rows
 * get as long as the layouts allow: a [64,16,12,12] view with a broadcast scalar is one row, not 12,288.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [], outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * shape[d]!)) {
      outShape[last]! *= shape[d]!;
      strides.forEach((s, k) => { outStrides[k]![last] = s[d]!; });
    } else {
      outShape.push(shape[d]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Walk the rows (last dim) of two strided views over `shape`; the output row starts at o. */
export function forEachRow2(fullShape: readonly number[], a0: T, b0: T, fn: (ia: number, ib: number, o: number, len: number, sa: number, sb: number) => void): void {
  const c = coalesce(fullShape, [a0.strides, b0.strides]);
  const shape = c.shape, a = { offset: a0.offset, strides: c.strides[0]! }, b = { offset: b0.offset, strides: c.strides[1]! };
  const nd = shape.length;
  if (nd === 0) { fn(a.offset, b.offset, 0, 1, 0, 0); return; }
  const len = shape[nd - 1]!, rows = numel(shape) / Math.max(len, 1);
  if (len === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let ia = a.offset, ib = b.offset;
  for (let r = 0; r < rows; r++) {
    fn(ia, ib, r * len, len, a.strides[nd - 1]!, b.strides[nd - 1]!);
    for (let d = nd - 2; d >= 0; d--) {
      ia += a.strides[d]!; ib += b.strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      ia -= a.strides[d]! * shape[d]!; ib -= b.strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Walk the rows of three strided views over `shape` (where's condition and both branches). */
export function forEachRow3(fullShape: readonly number[], a0: T, b0: T, c0: T, fn: (ia: number, ib: number, ic: number, o: number, len: number, sa: number, sb: number, sc: number) => void): void {
  const m = coalesce(fullShape, [a0.strides, b0.strides, c0.strides]);
  const shape = m.shape;
  const a = { offset: a0.offset, strides: m.strides[0]! }, b = { offset: b0.offset, strides: m.strides[1]! }, c = { offset: c0.offset, strides: m.strides[2]! };
  const nd = shape.length;
  if (nd === 0) { fn(a.offset, b.offset, c.offset, 0, 1, 0, 0, 0); return; }
  const len = shape[nd - 1]!, rows = numel(shape) / Math.max(len, 1);
  if (len === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let ia = a.offset, ib = b.offset, ic = c.offset;
  for (let r = 0; r < rows; r++) {
    fn(ia, ib, ic, r * len, len, a.strides[nd - 1]!, b.strides[nd - 1]!, c.strides[nd - 1]!);
    for (let d = nd - 2; d >= 0; d--) {
      ia += a.strides[d]!; ib += b.strides[d]!; ic += c.strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      ia -= a.strides[d]! * shape[d]!; ib -= b.strides[d]! * shape[d]!; ic -= c.strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function forEachRow1(shape: readonly number[], a: T, fn: (ia: number, o: number, len: number, sa: number) => void): void {
  forEachRow2(shape, a, a, (ia, _ib, o, len, sa) => fn(ia, o, len, sa));
}

/** After a kernel wrote a fresh output: bool stores, float16/bfloat16 rounding. */
export function settle(out: T): void {
  const f = storeFn(out.dtype);
  if (f) {
    const d = out.buffer as NumArray, n = numel(out.shape);
    for (let i = 0; i < n; i++) d[i] = f(d[i]!);
  }
  finish(out);
}

/** Python's mod: the result takes the divisor's sign. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** torch.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * erf to ~1e-7 relative error everywhere (Abramowitz–Stegun 7.1.26 is only 1e-7 absolute, which is
 * too coarse near 0): a Taylor series for |x| < 2.5 and a continued fraction for erfc above.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * 1.1283791670955126;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated backwards
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / (1.7724538509055159 * f);
  return x > 0 ? 1 - erfc : erfc - 1;
}
