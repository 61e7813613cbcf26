// How the CPU backend stores each dtype, and the conversions at the host edge.
// int64 lives in a BigInt64Array, exact over its whole range like PyTorch's; kernels read and write it
// through an Int32Array view of its two words per element (kernels/int64.ts), which allocates no BigInts.
// float16/bfloat16 live in Float32Array holding values already rounded to their precision, so
// kernels compute in float32 and round on write, as PyTorch's CPU half kernels do.
import type { DType, HostArray } from '@flint/core';
import { bfloatBitsToFloat, floatToBfloatBits, floatToHalfBits, halfBitsToFloat, hostArray } from '@flint/core';
import { takeCached } from './buffer-cache.js';

/** The buffer type of this backend. int64 is a BigInt64Array (exact); bool/uint8 are Uint8Array. */
export type CpuArray = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
/** Every buffer but int64's: elements are JS numbers. Kernels that never see int64 read these. */
export type NumArray = Exclude<CpuArray, BigInt64Array>;

/**
 * FLINT_CPU_POISON=1 fills every new buffer with NaN (integers: all ones) instead of handing it out as it
 * comes: the contract leaves a new buffer's contents undefined, and this finds a kernel that reads its output
 * before writing it. CI runs one of its passes so.
 */
const poison = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FLINT_CPU_POISON === '1';

function poisoned<A extends CpuArray>(b: A): A {
  if (b instanceof BigInt64Array) b.fill(-1n);
  else if (b instanceof Float32Array || b instanceof Float64Array) b.fill(NaN);
  else b.fill(b instanceof Int32Array ? -1 : 0xff);
  return b;
}

/**
 * A buffer of n elements, its contents undefined (the contract's allocate): a cached one of that size where
 * buffer-cache.ts has it, holding what its last owner wrote, else a new (zeroed) one.
 */
export function allocArray(dtype: DType, n: number): CpuArray {
  const b = fresh(dtype, n);
  return poison ? poisoned(b) : b;
}

function fresh(dtype: DType, n: number): CpuArray {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return takeCached(Float32Array, n) ?? new Float32Array(n);
    case 'float64': return takeCached(Float64Array, n) ?? new Float64Array(n);
    case 'int64': return takeCached(BigInt64Array, n) ?? new BigInt64Array(n);
    case 'int32': return takeCached(Int32Array, n) ?? new Int32Array(n);
    case 'uint8': case 'bool': return takeCached(Uint8Array, n) ?? new Uint8Array(n);
  }
}

const TWO28 = 2 ** 28;

/** Round float32 values in place to float16 precision (ties to even; overflow to inf; NaN kept). */
export function roundHalfInPlace(f: Float32Array, start: number, end: number): void {
  const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
  for (let i = start; i < end; i++) {
    const x = u[i]!, ax = x & 0x7fffffff, sign = x & 0x80000000;
    if (ax >= 0x7f800000) continue;
    if (ax >= 0x477ff000) { u[i] = (sign | 0x7f800000) >>> 0; continue; } // >= 65520 rounds to inf
    if (ax < 0x38800000) {
      // half subnormals are multiples of 2^-24: adding 2^28 in double rounds to that grid, ties to even
      const a = Math.abs(f[i]!);
      f[i] = (a + TWO28) - TWO28;
      u[i] = (u[i]! | sign) >>> 0;
      continue;
    }
    u[i] = ((x + 0xfff + ((x >>> 13) & 1)) & 0xffffe000) >>> 0;
  }
}

/** Round float32 values in place to bfloat16 precision (ties to even; NaN kept). */
export function roundBfloatInPlace(f: Float32Array, start: number, end: number): void {
  const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
  for (let i = start; i < end; i++) {
    const x = u[i]!;
    if ((x & 0x7fffffff) > 0x7f800000) continue;
    u[i] = ((x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000) >>> 0;
  }
}

/** After a kernel wrote `n` elements at `offset` of a half/bfloat buffer, round them to that dtype. */
export function roundTo(dtype: DType, buf: CpuArray, offset: number, n: number): void {
  if (dtype === 'float16') roundHalfInPlace(buf as Float32Array, offset, offset + n);
  else if (dtype === 'bfloat16') roundBfloatInPlace(buf as Float32Array, offset, offset + n);
}

/** Host array → internal buffer, at element `offset`. */
export function writeHost(buf: CpuArray, dtype: DType, data: HostArray, offset = 0): void {
  const n = data.length;
  if (dtype === 'float16') {
    const src = data as Uint16Array, dst = buf as Float32Array;
    for (let i = 0; i < n; i++) dst[offset + i] = halfBitsToFloat(src[i]!);
  } else if (dtype === 'bfloat16') {
    const src = data as Uint16Array, dst = buf as Float32Array;
    for (let i = 0; i < n; i++) dst[offset + i] = bfloatBitsToFloat(src[i]!);
  } else if (dtype === 'bool') {
    const src = data as Uint8Array, dst = buf as Uint8Array;
    for (let i = 0; i < n; i++) dst[offset + i] = src[i] ? 1 : 0;
  } else {
    // same element type on both sides (int64: BigInt64Array into BigInt64Array, bit for bit)
    (buf as Float32Array).set(data as Float32Array, offset);
  }
}

/** Internal buffer → a fresh host array of `numel` elements from element `offset`. */
export function readHost(buf: CpuArray, dtype: DType, offset: number, numel: number): HostArray {
  const out = hostArray(dtype, numel);
  if (dtype === 'float16') {
    const o = out as Uint16Array, b = buf as Float32Array;
    for (let i = 0; i < numel; i++) o[i] = floatToHalfBits(b[offset + i]!);
  } else if (dtype === 'bfloat16') {
    const o = out as Uint16Array, b = buf as Float32Array;
    for (let i = 0; i < numel; i++) o[i] = floatToBfloatBits(b[offset + i]!);
  } else {
    (out as Float32Array).set(buf.subarray(offset, offset + numel) as Float32Array);
  }
  return out;
}
