// Kernels that move or make data: strided copy, dtype cast, fill, arange.
// int64 moves as its two int32 words (int64.ts), so copies and casts of it allocate no BigInts.
import type { Kernel } from '@flint/core';
import { isDense } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import * as int64 from './int64.js';
import { coalesce } from './scalar.js';
import { finish, num, numel, offsets, offsetsOrNull, storeFn } from './util.js';
import type { T } from './util.js';

// module-local copies: V8 inlines and folds through these, not through imported bindings (see elementwise.gen.ts)
const { R, TWO32, TWO53, bigOf, fromNumber, toFloat32, words, wordsToNumber } = int64;

/** Strided int64 copy, two words per element. */
function copy64(src: T, dst: T, n: number): void {
  const s = words(src.buffer), d = words(dst.buffer), so = offsets(src), dof = offsets(dst);
  for (let i = 0; i < n; i++) { const a = 2 * so[i]!, b = 2 * dof[i]!; d[b] = s[a]!; d[b + 1] = s[a + 1]!; }
}

/**
 * copy: src → dst of the same dtype and shape; dst may be any strided view (writes into slices). Dims both
 * walk as one are merged first; then runs contiguous on both sides move with set() (a memcpy: cat into a
 * channel slice, a slice made contiguous), a transposed 2-D walk goes in tiles so both sides stay in
 * cache, and anything else row by row with strides.
 */
export const copy: Kernel<CpuArray> = ([src], [dst]) => {
  const n = numel(dst!.shape);
  if (n === 0) return;
  const s = src!, d = dst!;
  // same-typed set() is a memcpy for every dtype, BigInt64Array included
  if (isDense(s.shape, s.strides) && isDense(d.shape, d.strides)) { (d.buffer as Float32Array).set(s.buffer.subarray(s.offset, s.offset + n) as Float32Array, d.offset); return; }
  const c = coalesce(d.shape, [s.strides, d.strides]);
  if (c.shape.length === 0) { c.shape.push(1); c.strides[0]!.push(1); c.strides[1]!.push(1); } // one element
  const nd = c.shape.length, ss = c.strides[0]!, ds = c.strides[1]!, len = c.shape[nd - 1]!, outer = n / len;
  if (ss[nd - 1] === 1 && ds[nd - 1] === 1 && len >= SET_MIN) {
    const S = s.buffer as Float32Array, D = d.buffer as Float32Array;
    walkOuter(c.shape, ss, ds, s.offset, d.offset, outer, (a, b) => D.set(S.subarray(a, a + len), b));
    return;
  }
  if (d.dtype === 'int64') { copy64(s, d, n); return; }
  const S = s.buffer as NumArray, D = d.buffer as NumArray;
  if (nd >= 2 && ds[nd - 1] === 1 && ss[nd - 2] === 1 && len >= 32 && c.shape[nd - 2]! >= 32) {
    const rows = c.shape[nd - 2]!, sr = ss[nd - 2]!, sc = ss[nd - 1]!, dr = ds[nd - 2]!;
    walkOuter(c.shape.slice(0, -1), ss.slice(0, -1), ds.slice(0, -1), s.offset, d.offset, outer / rows, (a, b) => {
      for (let i0 = 0; i0 < rows; i0 += TILE) {
        const i1 = Math.min(i0 + TILE, rows);
        for (let j0 = 0; j0 < len; j0 += TILE) {
          const j1 = Math.min(j0 + TILE, len);
          for (let i = i0; i < i1; i++) {
            // unrolled by 4 (see elementwise.gen.ts: V8's per-iteration checks cost as much as the move)
            let j = j0, ia = a + i * sr + j0 * sc, ib = b + i * dr + j0;
            for (; j + 4 <= j1; j += 4, ia += 4 * sc, ib += 4) { D[ib] = S[ia]!; D[ib + 1] = S[ia + sc]!; D[ib + 2] = S[ia + 2 * sc]!; D[ib + 3] = S[ia + 3 * sc]!; }
            for (; j < j1; j++, ia += sc, ib++) D[ib] = S[ia]!;
          }
        }
      }
    });
    return;
  }
  const sl = ss[nd - 1]!, dl = ds[nd - 1]!;
  walkOuter(c.shape, ss, ds, s.offset, d.offset, outer, (a, b) => { for (let j = 0; j < len; j++, a += sl, b += dl) D[b] = S[a]!; });
};

// 128x128: measured on a [6400,512] transpose, 32 took 14-21 ms, 64 7-10, 128 7 (longer inner runs, few misses)
const TILE = 128;
// rows at least this long move with set(), shorter ones element by element (measured: rows of 125 move 3x
// faster with set() than with a loop)
const SET_MIN = 16;

/** Calls fn(srcStart, dstStart) for each of the `count` positions of every dim of `shape` but the last. */
function walkOuter(shape: readonly number[], ss: readonly number[], ds: readonly number[], so: number, dof: number, count: number, fn: (a: number, b: number) => void): void {
  const nd = shape.length, idx = new Array<number>(nd).fill(0);
  let a = so, b = dof;
  for (let r = 0; r < count; r++) {
    fn(a, b);
    for (let k = nd - 2; k >= 0; k--) {
      a += ss[k]!; b += ds[k]!;
      if (++idx[k]! < shape[k]!) break;
      a -= ss[k]! * shape[k]!; b -= ds[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
}

/**
 * int64 → any dtype: float64 rounds once from the words, float32 (and so float16/bfloat16, which torch
 * also reaches through float) without double rounding, int32/uint8 keep the low bits, bool is x != 0.
 */
function castFrom64(x: T, out: T, n: number): void {
  if (out.dtype === 'int64') { copy64(x, out, n); return; }
  const s = words(x.buffer), so = offsetsOrNull(x), b = x.offset, d = out.buffer as NumArray, o = out.offset;
  switch (out.dtype) {
    case 'float64': for (let i = 0; i < n; i++) { const k = 2 * (so ? so[i]! : b + i); d[o + i] = wordsToNumber(s[k]!, s[k + 1]!); } break;
    case 'int32': case 'uint8': for (let i = 0; i < n; i++) d[o + i] = s[2 * (so ? so[i]! : b + i)]!; break;
    case 'bool': for (let i = 0; i < n; i++) { const k = 2 * (so ? so[i]! : b + i); d[o + i] = (s[k]! | s[k + 1]!) !== 0 ? 1 : 0; } break;
    // below 2^53 the double is exact and the float32 store rounds it once
    default: for (let i = 0; i < n; i++) {
      const k = 2 * (so ? so[i]! : b + i), h = s[k + 1]!;
      d[o + i] = h >= -0x200000 && h < 0x200000 ? h * TWO32 + (s[k]! >>> 0) : toFloat32(s[k]!, h);
    }
  }
}

/** Any dtype → int64: floats truncate toward zero (NaN, ±inf and out-of-range give INT64_MIN, as torch's CPU). */
function castTo64(x: T, out: T, n: number): void {
  const s = x.buffer as NumArray, so = offsetsOrNull(x), b = x.offset, d = words(out.buffer), o = 2 * out.offset;
  if (x.dtype === 'int32' || x.dtype === 'uint8' || x.dtype === 'bool') {
    for (let i = 0; i < n; i++) { const v = s[so ? so[i]! : b + i]!; d[o + 2 * i] = v; d[o + 2 * i + 1] = v < 0 ? -1 : 0; }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = s[so ? so[i]! : b + i]!;
    // the common case (|v| < 2^53) inline; fromNumber handles the rest
    if (v > -TWO53 && v < TWO53) { const t = Math.trunc(v); d[o + 2 * i] = t | 0; d[o + 2 * i + 1] = Math.floor(t / TWO32); }
    else { fromNumber(v); d[o + 2 * i] = R[0]!; d[o + 2 * i + 1] = R[1]!; }
  }
}

/** cast: float→int truncates toward zero (NaN → 0, except int64: INT64_MIN as torch), int32/uint8 wrap, →bool is x != 0. */
export const cast: Kernel<CpuArray> = ([x], [out]) => {
  const n = numel(out!.shape);
  if (x!.dtype === 'int64') { castFrom64(x!, out!, n); finish(out!); return; }
  if (out!.dtype === 'int64') { castTo64(x!, out!, n); return; }
  const s = x!.buffer as NumArray, d = out!.buffer as NumArray, o = out!.offset;
  const so = offsetsOrNull(x!), f = storeFn(out!.dtype);
  if (f) {
    if (so) for (let i = 0; i < n; i++) d[o + i] = f(s[so[i]!]!);
    else for (let i = 0, b = x!.offset; i < n; i++) d[o + i] = f(s[b + i]!);
  } else if (so) for (let i = 0; i < n; i++) d[o + i] = s[so[i]!]!;
  else for (let i = 0, b = x!.offset; i < n; i++) d[o + i] = s[b + i]!;
  finish(out!);
};

export const fill: Kernel<CpuArray> = (_, [out], attrs) => {
  const v = num(attrs, 'value'), o = out!.offset, end = o + numel(out!.shape);
  if (out!.dtype === 'int64') { (out!.buffer as BigInt64Array).fill(bigOf(v), o, end); return; }
  const f = storeFn(out!.dtype);
  (out!.buffer as NumArray).fill(f ? f(v) : v, o, end);
  finish(out!);
};

/** int64 arange: doubles while every value is below 2^53, else BigInt (bounds like 2^60 + i are exact). */
function arange64(out: T, start: number, step: number, n: number): void {
  const d = words(out.buffer), o = 2 * out.offset;
  if (Math.abs(start) + Math.abs(step) * n < 2 ** 53) {
    for (let i = 0; i < n; i++) { fromNumber(start + i * step); d[o + 2 * i] = R[0]!; d[o + 2 * i + 1] = R[1]!; }
    return;
  }
  const b = out.buffer as BigInt64Array, s = bigOf(start), st = bigOf(step);
  for (let i = 0; i < n; i++) b[out.offset + i] = BigInt.asIntN(64, s + BigInt(i) * st);
}

/** arange: out[i] = start + i*step, computed in double (int64: exactly) then stored. */
export const arange: Kernel<CpuArray> = (_, [out], attrs) => {
  const start = num(attrs, 'start'), step = num(attrs, 'step'), n = numel(out!.shape);
  if (out!.dtype === 'int64' && Number.isInteger(start) && Number.isInteger(step)) { arange64(out!, start, step, n); return; }
  if (out!.dtype === 'int64') {
    const d = words(out!.buffer), o = 2 * out!.offset;
    for (let i = 0; i < n; i++) { fromNumber(start + i * step); d[o + 2 * i] = R[0]!; d[o + 2 * i + 1] = R[1]!; }
    return;
  }
  const f = storeFn(out!.dtype), d = out!.buffer as NumArray, o = out!.offset;
  for (let i = 0; i < n; i++) { const v = start + i * step; d[o + i] = f ? f(v) : v; }
  finish(out!);
};
