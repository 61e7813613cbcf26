// Shared helpers for kernels: element offsets of strided views, output stores per dtype, attrs access.
import type { DType, KernelAttrs, KernelTensor } from '@flint/core';
import { isDense, stridedOffsets } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { roundTo } from '../storage.js';

export type T = KernelTensor<CpuArray>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Offsets of every element of `t` in row-major order, or null when the view is dense (then element i
 * is at t.offset + i). Dense views take the linear fast path in every kernel.
 */
export function offsetsOrNull(t: T): Int32Array | null {
  return isDense(t.shape, t.strides) ? null : stridedOffsets(t.shape, t.strides, t.offset);
}

/** Offsets of every element, materialised even for dense views (for kernels mixing several layouts). */
export function offsets(t: T): Int32Array {
  const o = offsetsOrNull(t);
  if (o) return o;
  const n = numel(t.shape), out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = t.offset + i;
  return out;
}

/**
 * The data of `t` as a dense array of its numel elements (a subarray when already dense): a BigInt64Array
 * for int64 (copied word by word), a Float64Array holding any other dtype.
 */
export function dense(t: T): CpuArray {
  const n = numel(t.shape);
  const o = offsetsOrNull(t);
  if (!o) return t.buffer.subarray(t.offset, t.offset + n);
  if (t.buffer instanceof BigInt64Array) {
    const out = new BigInt64Array(n), d = new Int32Array(out.buffer), b = new Int32Array(t.buffer.buffer, t.buffer.byteOffset, 2 * t.buffer.length);
    for (let i = 0; i < n; i++) { const k = 2 * o[i]!; d[2 * i] = b[k]!; d[2 * i + 1] = b[k + 1]!; }
    return out;
  }
  const out = new Float64Array(n), b = t.buffer;
  for (let i = 0; i < n; i++) out[i] = b[o[i]!]!;
  return out;
}

/**
 * Converts a computed number to what `dtype` stores: typed-array stores already truncate and wrap
 * for int32/uint8, but bool needs x != 0. (int64 is written through its words: see int64.ts.)
 */
export function storeFn(dtype: DType): ((v: number) => number) | null {
  if (dtype === 'bool') return (v) => (v !== 0 ? 1 : 0);
  return null;
}

/** Call after writing a fresh contiguous output: rounds float16/bfloat16 results to their precision. */
export function finish(out: T): void {
  roundTo(out.dtype, out.buffer, out.offset, numel(out.shape));
}

export function num(attrs: KernelAttrs, key: string, fallback?: number): number {
  const v = attrs[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (fallback !== undefined) return fallback;
  throw new TypeError(`cpu kernel: attribute '${key}' must be a number, got ${String(v)}`);
}

export function pair(attrs: KernelAttrs, key: string, fallback?: number): [number, number] {
  const v = attrs[key];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (typeof v === 'number') return [v, v];
  if (fallback !== undefined) return [fallback, fallback];
  throw new TypeError(`cpu kernel: attribute '${key}' must be a number or [number, number], got ${String(v)}`);
}
