// Kernels that move or make data: strided copy, dtype cast, fill, arange.
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { finish, num, numel, offsetsOrNull, storeFn } from './util.js';

/** copy: src → dst of the same dtype and shape; dst may be any strided view (writes into slices). */
export const copy: Kernel<CpuArray> = ([src], [dst]) => {
  const n = numel(dst!.shape), s = src!.buffer, d = dst!.buffer;
  const so = offsetsOrNull(src!), dof = offsetsOrNull(dst!);
  if (!so && !dof) { d.set(s.subarray(src!.offset, src!.offset + n) as Float32Array, dst!.offset); return; }
  if (!dof) { for (let i = 0, o = dst!.offset; i < n; i++) d[o + i] = s[so![i]!]!; return; }
  if (!so) { for (let i = 0, o = src!.offset; i < n; i++) d[dof[i]!] = s[o + i]!; return; }
  for (let i = 0; i < n; i++) d[dof[i]!] = s[so[i]!]!;
};

/** cast: float→int truncates toward zero (NaN → 0), int32/uint8 wrap, →bool is x != 0. */
export const cast: Kernel<CpuArray> = ([x], [out]) => {
  const n = numel(out!.shape), s = x!.buffer, d = out!.buffer, o = out!.offset;
  const so = offsetsOrNull(x!), f = storeFn(out!.dtype);
  if (f) {
    if (so) for (let i = 0; i < n; i++) d[o + i] = f(s[so[i]!]!);
    else for (let i = 0, b = x!.offset; i < n; i++) d[o + i] = f(s[b + i]!);
  } else if (so) for (let i = 0; i < n; i++) d[o + i] = s[so[i]!]!;
  else for (let i = 0, b = x!.offset; i < n; i++) d[o + i] = s[b + i]!;
  finish(out!);
};

export const fill: Kernel<CpuArray> = (_, [out], attrs) => {
  const v = num(attrs, 'value'), f = storeFn(out!.dtype);
  out!.buffer.fill(f ? f(v) : v, out!.offset, out!.offset + numel(out!.shape));
  finish(out!);
};

/** arange: out[i] = start + i*step, computed in double then stored. */
export const arange: Kernel<CpuArray> = (_, [out], attrs) => {
  const start = num(attrs, 'start'), step = num(attrs, 'step'), f = storeFn(out!.dtype);
  const n = numel(out!.shape), d = out!.buffer, o = out!.offset;
  for (let i = 0; i < n; i++) { const v = start + i * step; d[o + i] = f ? f(v) : v; }
  finish(out!);
};
