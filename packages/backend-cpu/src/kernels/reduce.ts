// Reductions over the TRAILING attrs.reduceDims dims of the input view, and cumsum over the last dim.
// Sums accumulate in double (JS numbers), which covers PyTorch's float32 accumulate-in-double rule.
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { isDense } from '@flint/core';
import { forEachRow2 } from './scalar.js';
import { dense, finish, num, numel, storeFn } from './util.js';
import type { T } from './util.js';

/** Row j of the result reduces s[start .. start+r). */
type Reducer = (s: CpuArray, start: number, r: number) => number;

/** A strided input is gathered densely once, so every reducer runs a linear loop. */
function rowsOf(x: T, k: number): { s: CpuArray; rows: number; r: number } {
  const nd = x.shape.length;
  return { s: dense(x), rows: numel(x.shape.slice(0, nd - k)), r: numel(x.shape.slice(nd - k)) };
}

function reduction(reduce: Reducer): Kernel<CpuArray> {
  return ([x], [out], attrs) => {
    const { s, rows, r } = rowsOf(x!, num(attrs, 'reduceDims'));
    const d = out!.buffer, o = out!.offset, f = storeFn(out!.dtype);
    for (let row = 0; row < rows; row++) {
      const v = reduce(s, row * r, r);
      d[o + row] = f ? f(v) : v;
    }
    finish(out!);
  };
}

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
const stridedSum: Kernel<CpuArray> = (inputs, outputs, attrs) => {
  const x = inputs[0]!, out = outputs[0]!, k = num(attrs, 'reduceDims');
  if (isDense(x.shape, x.strides) || numel(x.shape) === 0) return reduction(sum)(inputs, outputs, attrs);
  const nd = x.shape.length, kept = nd - k;
  // output strides over the input's dims: row-major over the kept (leading) dims, 0 over reduced ones
  const outStrides = new Array<number>(nd).fill(0);
  for (let d = kept - 1, s = 1; d >= 0; d--) { outStrides[d] = s; s *= x.shape[d]!; }
  const order = [...Array(nd).keys()].sort((a, b) => x.strides[b]! - x.strides[a]!);
  const shape = order.map((d) => x.shape[d]!);
  const acc = new Float64Array(numel(out.shape)), A = x.buffer;
  const view = (strides: number[], offset: number): T => ({ buffer: A, dtype: x.dtype, shape, strides, offset });
  forEachRow2(shape, view(order.map((d) => x.strides[d]!), x.offset), view(order.map((d) => outStrides[d]!), 0), (ia, io, _o, len, sa, so) => {
    if (so === 0) { let t = 0; for (let j = 0; j < len; j++, ia += sa) t += A[ia]!; acc[io] += t; } else for (let j = 0; j < len; j++, ia += sa, io += so) acc[io] += A[ia]!;
  });
  const d = out.buffer, f = storeFn(out.dtype);
  for (let i = 0; i < acc.length; i++) d[out.offset + i] = f ? f(acc[i]!) : acc[i]!;
  finish(out);
};

export const reduceKernels: Record<string, Kernel<CpuArray>> = {
  sum: stridedSum,
  prod: reduction(prod),
  max: reduction(max),
  min: reduction(min),
  argmax: reduction(argBy((v, m) => v > m)),
  argmin: reduction(argBy((v, m) => v < m)),
};

export const cumsum: Kernel<CpuArray> = ([x], [out]) => {
  const { s, rows, r } = rowsOf(x!, 1);
  const d = out!.buffer, o = out!.offset, f = storeFn(out!.dtype);
  for (let row = 0; row < rows; row++) {
    let acc = 0;
    for (let j = row * r; j < (row + 1) * r; j++) { acc += s[j]!; d[o + j] = f ? f(acc) : acc; }
  }
  finish(out!);
};
