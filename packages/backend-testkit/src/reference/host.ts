// Values as the reference backends keep them: every dtype in a Float64Array, rounded to its dtype on store.
import type { DType, HostArray } from '@flint/core';
import { bfloatBitsToFloat, floatToBfloatBits, floatToHalfBits, halfBitsToFloat, hostArray } from '@flint/core';

/** Round a double to what `dtype` holds (int32/uint8 wrap like C, float→int truncates, NaN→int is 0). */
export function store(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'float16': return halfBitsToFloat(floatToHalfBits(v));
    case 'bfloat16': return bfloatBitsToFloat(floatToBfloatBits(v));
    case 'int32': return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'int64': return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'uint8': return Number.isFinite(v) ? Math.trunc(v) & 255 : 0;
    case 'bool': return v !== 0 ? 1 : 0;
    default: return v;
  }
}

/** The value host element `v` of `dtype` holds (float16/bfloat16 travel as their bits). */
export function fromHost(dtype: DType, v: number | bigint): number {
  if (dtype === 'float16') return halfBitsToFloat(Number(v));
  if (dtype === 'bfloat16') return bfloatBitsToFloat(Number(v));
  return store(dtype, Number(v));
}

/** Host data (see hostArray) into `buffer` from element `offset`. */
export function writeHost(buffer: Float64Array, dtype: DType, data: HostArray, offset = 0): void {
  for (let i = 0; i < data.length; i++) buffer[offset + i] = fromHost(dtype, data[i]!);
}

/** `numel` values from element `offset` as the host array of `dtype`. */
export function readHost(buffer: Float64Array, dtype: DType, offset: number, numel: number): HostArray {
  const out = hostArray(dtype, numel);
  for (let i = 0; i < numel; i++) {
    if (out instanceof BigInt64Array) out[i] = BigInt(buffer[offset + i]!);
    else if (dtype === 'float16') out[i] = floatToHalfBits(buffer[offset + i]!);
    else if (dtype === 'bfloat16') out[i] = floatToBfloatBits(buffer[offset + i]!);
    else out[i] = buffer[offset + i]!;
  }
  return out;
}
