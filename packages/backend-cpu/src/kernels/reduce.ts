// Reductions over the TRAILING attrs.reduceDims dims of the input view, and cumsum over the last dim.
// Sums accumulate in double (JS numbers), which covers PyTorch's float32 accumulate-in-double rule;
// int64 reduces exactly, with two's complement wrap, on its words (int64.ts).
import type { Kernel } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { isDense } from '@flint/core';
import * as int64 from './int64.js';
import { coalesce, forEachRow2 } from './scalar.js';
import { dense, finish, num, numel, storeFn } from './util.js';
import { STREAM_MIN, streamColSums } from './wasm-stream.js';
import type { T } from './util.js';

// module-local copies: V8 inlines and folds through these, not through imported bindings (see elementwise.gen.ts)
const { R, TWO32, indexSink, mul64, words } = int64;

/** Row j of the result reduces s[start .. start+r). */
type Reducer = (s: NumArray, start: number, r: number) => number;

/** A strided input is gathered densely once, so every reducer runs a linear loop. */
function rowsOf(x: T, k: number): { s: CpuArray; rows: number; r: number } {
  const nd = x.shape.length;
  return { s: dense(x), rows: numel(x.shape.slice(0, nd - k)), r: numel(x.shape.slice(nd - k)) };
}

/**
 * A reduction kernel: `reduce` over number rows; int64 inputs go to `reduce64`, which leaves the result's
 * words in R, or for argmax/argmin (`index`) returns the index. Index outputs may be int32 or int64.
 */
function reduction(reduce: Reducer, reduce64: (w: Int32Array, start: number, r: number) => number, index = false): Kernel<CpuArray> {
  return ([x], [out], attrs) => {
    const { s, rows, r } = rowsOf(x!, num(attrs, 'reduceDims'));
    const o = out!.offset, int64In = x!.dtype === 'int64';
    if (index) {
      const { I, step } = indexSink(out!), w = int64In ? words(s) : null;
      for (let row = 0; row < rows; row++) {
        I[(o + row) * step] = w ? reduce64(w, row * r, r) : reduce(s as NumArray, row * r, r);
        if (step === 2) I[(o + row) * 2 + 1] = 0;
      }
      return;
    }
    if (int64In) {
      const w = words(s), D = words(out!.buffer);
      for (let row = 0; row < rows; row++) { reduce64(w, row * r, r); D[2 * (o + row)] = R[0]!; D[2 * (o + row) + 1] = R[1]!; }
      return;
    }
    const d = out!.buffer as NumArray, f = storeFn(out!.dtype);
    for (let row = 0; row < rows; row++) {
      const v = reduce(s as NumArray, row * r, r);
      d[o + row] = f ? f(v) : v;
    }
    finish(out!);
  };
}

/**
 * int64 sum of elements [a, a+r) into R: low words (unsigned) and high words add up in doubles, exact for
 * 2^20 elements at a time; then the carry moves up and the high word wraps (it only matters modulo 2^32).
 */
const CHUNK = 1 << 20;
function sum64(w: Int32Array, a: number, r: number): number {
  let lo = 0, hi = 0;
  for (let c = a, end = a + r; c < end; c += CHUNK) {
    let h = 0;
    for (let j = c, e = Math.min(end, c + CHUNK); j < e; j++) { lo += w[2 * j]! >>> 0; h += w[2 * j + 1]!; }
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = (hi + h + carry) | 0;
  }
  R[0] = lo | 0; R[1] = hi;
  return 0;
}

function prod64(w: Int32Array, a: number, r: number): number {
  let pl = 1, ph = 0;
  for (let j = a; j < a + r; j++) { mul64(pl, ph, w[2 * j]!, w[2 * j + 1]!); pl = R[0]!; ph = R[1]!; }
  R[0] = pl; R[1] = ph;
  return 0;
}

/** Index (within the row) of the first largest (or smallest) element: high words signed, then low words unsigned. */
const arg64 = (larger: boolean) => (w: Int32Array, a: number, r: number): number => {
  let m = 0, mh = w[2 * a + 1]!, ml = w[2 * a]! >>> 0;
  for (let j = 1; j < r; j++) {
    const h = w[2 * (a + j) + 1]!, l = w[2 * (a + j)]! >>> 0;
    if (h !== mh ? (h > mh) === larger : l !== ml && (l > ml) === larger) { m = j; mh = h; ml = l; }
  }
  return m;
};
/** The extreme's words into R. */
const ext64 = (larger: boolean) => {
  const arg = arg64(larger);
  return (w: Int32Array, a: number, r: number): number => {
    const m = a + arg(w, a, r);
    R[0] = w[2 * m]!; R[1] = w[2 * m + 1]!;
    return 0;
  };
};

const sum: Reducer = (s, a, r) => { let acc = 0; for (let j = a; j < a + r; j++) acc += s[j]!; return acc; };
const prod: Reducer = (s, a, r) => { let acc = 1; for (let j = a; j < a + r; j++) acc *= s[j]!; return acc; };
const max: Reducer = (s, a, r) => {
  let m = -Infinity;
  for (let j = a; j < a + r; j++) { const v = s[j]!; if (v !== v) return NaN; if (v > m) m = v; }
  return m;
};
const min: Reducer = (s, a, r) => {
  let m = Infinity;
  for (let j = a; j < a + r; j++) { const v = s[j]!; if (v !== v) return NaN; if (v < m) m = v; }
  return m;
};
/** Flat index of the first extreme within the row; the first NaN counts as the extreme. */
const argBy = (better: (v: number, m: number) => boolean): Reducer => (s, a, r) => {
  let m = s[a]!, idx = 0;
  if (m !== m) return 0;
  for (let j = 1; j < r; j++) {
    const v = s[a + j]!;
    if (v !== v) return j;
    if (better(v, m)) { m = v; idx = j; }
  }
  return idx;
};

/**
 * Sum of a strided view (typically a permuted one, as bias gradients are) in one pass in memory order:
 * each element adds into its output slot, instead of first gathering the view densely.
 */
const sumRows = reduction(sum, sum64);
const stridedSum: Kernel<CpuArray> = (inputs, outputs, attrs) => {
  const x = inputs[0]!, out = outputs[0]!, k = num(attrs, 'reduceDims');
  if (isDense(x.shape, x.strides) || numel(x.shape) === 0 || x.dtype === 'int64') return sumRows(inputs, outputs, attrs);
  const nd = x.shape.length, kept = nd - k;
  // output strides over the input's dims: row-major over the kept (leading) dims, 0 over reduced ones
  const outStrides = new Array<number>(nd).fill(0);
  for (let d = kept - 1, s = 1; d >= 0; d--) { outStrides[d] = s; s *= x.shape[d]!; }
  const order = [...Array(nd).keys()].sort((a, b) => x.strides[b]! - x.strides[a]!);
  const shape = order.map((d) => x.shape[d]!);
  const acc = new Float64Array(numel(out.shape)), A = x.buffer as NumArray;
  const srcStrides = order.map((d) => x.strides[d]!), accStrides = order.map((d) => outStrides[d]!);
  if (!channelRows(A, x.offset, shape, srcStrides, accStrides, acc)) {
    const view = (strides: number[], offset: number): T => ({ buffer: A, dtype: x.dtype, shape, strides, offset });
    forEachRow2(shape, view(srcStrides, x.offset), view(accStrides, 0), (ia, io, _o, len, sa, so) => {
      if (so === 0) { let t = 0; for (let j = 0; j < len; j++, ia += sa) t += A[ia]!; acc[io] += t; } else for (let j = 0; j < len; j++, ia += sa, io += so) acc[io] += A[ia]!;
    });
  }
  const d = out.buffer as NumArray, f = storeFn(out.dtype);
  for (let i = 0; i < acc.length; i++) d[out.offset + i] = f ? f(acc[i]!) : acc[i]!;
  finish(out);
};

/**
 * The bias-gradient layouts of stridedSum: in memory order [A, L] summed over A (below), or [A, B, L] with
 * contiguous rows of L and one output per b (sum over A and L: conv and batch-norm channels). Each row's sum is the same chain of adds as the row walk, and
 * acc[b] gathers the rows in the same order, but four rows (channels) go at once: a chain of dependent adds
 * runs at one add per ~4 cycles, four independent ones in about the same time. False: another layout.
 */
function channelRows(A: NumArray, offset: number, shape: readonly number[], src: readonly number[], dst: readonly number[], acc: Float64Array): boolean {
  const c = coalesce(shape, [src, dst]);
  if (c.shape.length === 2 && c.strides[0]![1] === 1 && c.strides[1]![0] === 0 && c.strides[1]![1] === 1) {
    // [A, L] rows added into acc[0..L) one row after another (a bias gradient of a [batch, features] matrix):
    // the walk's order, unrolled by 4
    const [NA, L] = c.shape as [number, number], sa = c.strides[0]![0]!;
    // float32 rows: the same adds four lanes at a time in WebAssembly SIMD
    if (A instanceof Float32Array && NA * L >= 4 * STREAM_MIN && streamColSums(A, offset, NA, L, sa, acc)) return true;
    for (let a = 0; a < NA; a++) {
      const r = offset + a * sa;
      let j = 0;
      for (; j + 4 <= L; j += 4) { acc[j] += A[r + j]!; acc[j + 1] += A[r + j + 1]!; acc[j + 2] += A[r + j + 2]!; acc[j + 3] += A[r + j + 3]!; }
      for (; j < L; j++) acc[j] += A[r + j]!;
    }
    return true;
  }
  if (c.shape.length === 2) { c.shape.unshift(1); c.strides[0]!.unshift(0); c.strides[1]!.unshift(0); }
  const [ss, ds] = c.strides as [number[], number[]];
  if (c.shape.length !== 3 || ss[2] !== 1 || ds[0] !== 0 || ds[2] !== 0) return false;
  const [NA, NB, L] = c.shape as [number, number, number], sa = ss[0]!, sb = ss[1]!, ob = ds[1]!;
  for (let a = 0; a < NA; a++) {
    let b = 0;
    for (; b + 4 <= NB; b += 4) {
      const r0 = offset + a * sa + b * sb, r1 = r0 + sb, r2 = r1 + sb, r3 = r2 + sb;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let j = 0; j < L; j++) { t0 += A[r0 + j]!; t1 += A[r1 + j]!; t2 += A[r2 + j]!; t3 += A[r3 + j]!; }
      acc[b * ob] += t0; acc[(b + 1) * ob] += t1; acc[(b + 2) * ob] += t2; acc[(b + 3) * ob] += t3;
    }
    for (; b < NB; b++) {
      const r = offset + a * sa + b * sb;
      let t = 0;
      for (let j = 0; j < L; j++) t += A[r + j]!;
      acc[b * ob] += t;
    }
  }
  return true;
}

export const reduceKernels: Record<string, Kernel<CpuArray>> = {
  sum: stridedSum,
  prod: reduction(prod, prod64),
  max: reduction(max, ext64(true)),
  min: reduction(min, ext64(false)),
  argmax: reduction(argBy((v, m) => v > m), arg64(true), true),
  argmin: reduction(argBy((v, m) => v < m), arg64(false), true),
};

/** int64 running sums: add with carry on the words, wrapping. */
function cumsum64(s: CpuArray, out: T, rows: number, r: number): void {
  const w = words(s), D = words(out.buffer), o = 2 * out.offset;
  for (let row = 0; row < rows; row++) {
    let rl = 0, rh = 0;
    for (let j = row * r; j < (row + 1) * r; j++) {
      const lo = (rl >>> 0) + (w[2 * j]! >>> 0);
      rh = (rh + w[2 * j + 1]! + (lo >= TWO32 ? 1 : 0)) | 0;
      rl = lo | 0;
      D[o + 2 * j] = rl; D[o + 2 * j + 1] = rh;
    }
  }
}

export const cumsum: Kernel<CpuArray> = ([x], [out]) => {
  const { s, rows, r } = rowsOf(x!, 1);
  if (x!.dtype === 'int64') { cumsum64(s, out!, rows, r); return; }
  const d = out!.buffer as NumArray, o = out!.offset, f = storeFn(out!.dtype);
  for (let row = 0; row < rows; row++) {
    let acc = 0;
    for (let j = row * r; j < (row + 1) * r; j++) { acc += (s as NumArray)[j]!; d[o + j] = f ? f(acc) : acc; }
  }
  finish(out!);
};
