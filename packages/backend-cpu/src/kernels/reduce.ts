// Reductions over the TRAILING attrs.reduceDims dims of the input view, and cumsum over the last dim.
// Sums accumulate in double (JS numbers), which covers PyTorch's float32 accumulate-in-double rule.
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
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

export const reduceKernels: Record<string, Kernel<CpuArray>> = {
  sum: reduction(sum),
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
