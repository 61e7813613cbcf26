// Binary kernels over inputs already broadcast to the output shape (strides may be 0), and where.
import type { Kernel } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { finish, numel, offsets, offsetsOrNull, storeFn } from './util.js';

type Fn = (a: number, b: number) => number;

function binary(fn: Fn): Kernel<CpuArray> {
  return ([a, b], [out]) => {
    const n = numel(out!.shape), A = a!.buffer, B = b!.buffer, d = out!.buffer, o = out!.offset;
    const f = storeFn(out!.dtype);
    if (!offsetsOrNull(a!) && !offsetsOrNull(b!)) {
      const ao = a!.offset, bo = b!.offset;
      for (let i = 0; i < n; i++) d[o + i] = fn(A[ao + i]!, B[bo + i]!);
    } else {
      const ia = offsets(a!), ib = offsets(b!);
      for (let i = 0; i < n; i++) d[o + i] = fn(A[ia[i]!]!, B[ib[i]!]!);
    }
    if (f) for (let i = 0; i < n; i++) d[o + i] = f(d[o + i]!);
    finish(out!);
  };
}

function byDtype(special: Partial<Record<string, Kernel<CpuArray>>>, general: Kernel<CpuArray>): Kernel<CpuArray> {
  return (inputs, outputs, attrs) => (special[outputs[0]!.dtype] ?? general)(inputs, outputs, attrs);
}

/** Python's mod: the result takes the divisor's sign. */
function remainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

// NaN in either operand propagates, like torch.maximum/minimum
const maximum: Fn = (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
const minimum: Fn = (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);

export const binaryKernels: Record<string, Kernel<CpuArray>> = {
  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: byDtype({ int32: binary(Math.imul) }, binary((a, b) => a * b)), // imul: exact int32 wraparound
  div: binary((a, b) => a / b),
  pow: binary(Math.pow),
  maximum: binary(maximum),
  minimum: binary(minimum),
  remainder: binary(remainder),
  eq: binary((a, b) => (a === b ? 1 : 0)),
  ne: binary((a, b) => (a !== b ? 1 : 0)),
  lt: binary((a, b) => (a < b ? 1 : 0)),
  le: binary((a, b) => (a <= b ? 1 : 0)),
  gt: binary((a, b) => (a > b ? 1 : 0)),
  ge: binary((a, b) => (a >= b ? 1 : 0)),
};

export const where: Kernel<CpuArray> = ([cond, a, b], [out]) => {
  const n = numel(out!.shape), C = cond!.buffer, A = a!.buffer, B = b!.buffer, d = out!.buffer, o = out!.offset;
  const ic = offsets(cond!), ia = offsets(a!), ib = offsets(b!);
  for (let i = 0; i < n; i++) d[o + i] = C[ic[i]!] ? A[ia[i]!]! : B[ib[i]!]!;
  finish(out!);
};
