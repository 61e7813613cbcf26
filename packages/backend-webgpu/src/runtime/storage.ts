// How each Flint dtype lives on the device: every element takes one 32-bit word (f32, i32 or u32: float16
// and bfloat16 are kept as float32 values rounded to their precision, uint8 and bool as u32), int64 takes
// two (low, high), as WGSL has no 8-, 16- or 64-bit storage without extensions. float64 is refused.
import type { DType, HostArray } from '@flint/core';
import { DTypeError } from '@flint/core';

/** The WGSL view of a dtype's storage. */
export type Kind = 'f32' | 'i32' | 'u32' | 'i64';

/** The storage kind of a dtype; float64 is a DTypeError. */
export function kindOf(dtype: DType, op = 'webgpu'): Kind {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return 'f32';
    case 'int32': return 'i32';
    case 'uint8': case 'bool': return 'u32';
    case 'int64': return 'i64';
    case 'float64':
      throw new DTypeError(`${op}: float64 is not supported on WebGPU (WGSL has no 64-bit floats); use float32, or the CPU backend for float64: x.to('cpu')`);
  }
}

/** Bytes per element on the device. */
export const deviceBytes = (dtype: DType): number => (kindOf(dtype) === 'i64' ? 8 : 4);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bits → its value. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A float32 value → float16 bits, rounding to nearest even. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!, sign = (x >>> 16) & 0x8000, e = (x >>> 23) & 0xff, m = x & 0x7fffff;
  if (e === 255) return sign | 0x7c00 | (m ? 0x200 : 0);
  const exp = e - 127 + 15;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const mm = m | 0x800000, shift = 14 - exp;
    let r = mm >>> shift;
    const rem = mm & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (exp << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** Host data of `dtype` → the words the device stores. */
export function toDevice(dtype: DType, data: HostArray): ArrayBufferView {
  switch (dtype) {
    case 'float32': return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    case 'int32': return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
    case 'int64': return data instanceof BigInt64Array ? data : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
    case 'uint8': case 'bool': return Uint32Array.from(data as ArrayLike<number>, dtype === 'bool' ? (v) => (v ? 1 : 0) : (v) => v & 255);
    case 'float16': return Float32Array.from(data as ArrayLike<number>, halfToFloat);
    case 'bfloat16': return new Float32Array(Uint32Array.from(data as ArrayLike<number>, (v) => (v & 0xffff) << 16).buffer);
    case 'float64': throw new DTypeError(kindOf(dtype) as never);
  }
}

/** The words the device stores → host data of `dtype`. */
export function fromDevice(dtype: DType, bytes: ArrayBuffer): HostArray {
  switch (dtype) {
    case 'float32': return new Float32Array(bytes);
    case 'int32': return new Int32Array(bytes);
    case 'int64': return new BigInt64Array(bytes);
    case 'uint8': case 'bool': return Uint8Array.from(new Uint32Array(bytes));
    case 'float16': return Uint16Array.from(new Float32Array(bytes), floatToHalf);
    case 'bfloat16': return Uint16Array.from(new Uint32Array(bytes), (w) => w >>> 16);
    case 'float64': throw new DTypeError(kindOf(dtype) as never);
  }
}
