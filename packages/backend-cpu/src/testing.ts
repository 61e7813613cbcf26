// Test helpers: build KernelTensors on a fresh backend and run kernels by name (used by *.test.ts only).
import type { DType, Kernel, KernelAttrs, KernelTensor } from '@flint/core';
import { createCpuBackend } from './backend.js';
import type { CpuArray } from './storage.js';
import { allocArray } from './storage.js';

export const backend = createCpuBackend();

const contiguous = (shape: readonly number[]): number[] => {
  const s: number[] = [];
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
};

/** A tensor over `data` (stored as `dtype`; int64 from integral numbers), contiguous unless strides/offset are given. */
export function t(dtype: DType, shape: number[], data: ArrayLike<number>, strides?: number[], offset = 0): KernelTensor<CpuArray> {
  const buffer = allocArray(dtype, data.length);
  if (buffer instanceof BigInt64Array) for (let i = 0; i < data.length; i++) buffer[i] = BigInt(data[i]!);
  else for (let i = 0; i < data.length; i++) buffer[i] = data[i]!;
  return { buffer, dtype, shape, strides: strides ?? contiguous(shape), offset };
}

export const empty = (dtype: DType, shape: number[]): KernelTensor<CpuArray> =>
  t(dtype, shape, new Float64Array(shape.reduce((a, b) => a * b, 1)));

/** Run kernel `op` and return its outputs' values as plain arrays of numbers (int64 rounded past 2^53). */
export function run(op: string, inputs: KernelTensor<CpuArray>[], outs: [DType, number[]][], attrs: KernelAttrs = {}): number[][] {
  const outputs = outs.map(([d, s]) => empty(d, s));
  const k = (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>)[op];
  if (!k) throw new Error(`no kernel ${op}`);
  k(inputs, outputs, attrs);
  return outputs.map((o) => Array.from(o.buffer as ArrayLike<number | bigint>, Number));
}

export const randn = (n: number, seed = 1): number[] => {
  let s = seed;
  return Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 1073741824 - 1; });
};

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) throw new Error(`element ${i}: got ${a}, expected ${e} (tol ${tol})`);
  }
}
