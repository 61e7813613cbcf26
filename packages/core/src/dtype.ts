// dtypes, their host typed arrays, and PyTorch's type-promotion rules.

/** A tensor's element type, by torch's names. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Every dtype. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

/** The typed array that carries a dtype across the backend contract (host side). */
export type HostArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** The size in bytes of one element of each dtype. */
export const BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int32: 4, int64: 8, uint8: 1, bool: 1,
};

/** float16/bfloat16 travel as raw bits (Uint16Array); int64 as BigInt64Array. */
export function hostArray(dtype: DType, n: number): HostArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'float16': case 'bfloat16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

/** Whether `d` is a floating-point dtype. */
export const isFloating = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
/** Whether `d` is an integer dtype (bool is not). */
export const isIntegral = (d: DType): boolean => d === 'int32' || d === 'int64' || d === 'uint8';

type Category = 0 | 1 | 2; // bool < integer < floating
const category = (d: DType): Category => (d === 'bool' ? 0 : isFloating(d) ? 2 : 1);

/** Promote two dtypes of the same priority class, as torch.promote_types does. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a), cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  if (ca === 1) {
    const rank: Record<string, number> = { uint8: 0, int32: 1, int64: 2 };
    return rank[a]! > rank[b]! ? a : b;
  }
  // floating: f16 + bf16 -> f32; otherwise the wider one
  const rank: Record<string, number> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };
  if (rank[a] === rank[b]) return 'float32';
  return rank[a]! > rank[b]! ? a : b;
}

/**
 * An operand as seen by result-type computation: a dimensioned tensor, a 0-d tensor, or a JS scalar.
 * @property dtype - its dtype
 * @property kind - which of the three it is (they take part in promotion differently)
 */
export interface PromotionOperand { dtype: DType; kind: 'tensor' | 'zerodim' | 'scalar' }

/**
 * torch.result_type: dimensioned tensors win over 0-d tensors, which win over scalars, unless a
 * lower class has a higher category (an int tensor plus a float scalar gives the default float).
 */
export function resultType(ops: PromotionOperand[], defaultFloat: DType = 'float32'): DType {
  const best: Partial<Record<PromotionOperand['kind'], DType>> = {};
  for (const o of ops) best[o.kind] = best[o.kind] === undefined ? o.dtype : promoteTypes(best[o.kind]!, o.dtype);
  let result: DType | undefined;
  for (const kind of ['tensor', 'zerodim', 'scalar'] as const) {
    const d = best[kind];
    if (d === undefined) continue;
    if (result === undefined) { result = kind === 'scalar' && isFloating(d) ? defaultFloat : d; continue; }
    if (category(d) > category(result)) result = kind === 'scalar' && isFloating(d) ? defaultFloat : d;
  }
  return result ?? defaultFloat;
}

/** The dtype of a JS value: bool for booleans, int64 for bigints and integral numbers, float32 otherwise. */
export function scalarDType(v: number | boolean | bigint): DType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  return Number.isInteger(v) ? 'int64' : 'float32';
}

// --- float16 / bfloat16 bit conversion (used by backends and the host edge) ---
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits of `v` (round to nearest even). */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  let exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  exp = exp - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

/** The number that float16 bits `h` encode. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The bfloat16 bits of `v` (round to nearest even). */
export function floatToBfloatBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  if (Number.isNaN(v)) return 0x7fc0;
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** The number that bfloat16 bits `b` encode. */
export function bfloatBitsToFloat(b: number): number {
  u32[0] = b << 16;
  return f32[0]!;
}

/**
 * `v` as a value of `dtype` holds it (what a fill or a scalar kernel receives): rounded to float32/16/bf16,
 * truncated toward zero and wrapped for integers, 0/1 for bool.
 */
export function representable(v: number | boolean | bigint, dtype: DType): number {
  const x = Number(v);
  switch (dtype) {
    case 'float64': return x;
    case 'float32': return Math.fround(x);
    case 'float16': return halfBitsToFloat(floatToHalfBits(x));
    case 'bfloat16': return bfloatBitsToFloat(floatToBfloatBits(x));
    case 'bool': return x !== 0 ? 1 : 0;
    case 'int64': return typeof v === 'bigint' ? x : Number.isFinite(x) ? Math.trunc(x) : x;
    case 'int32': return Math.trunc(x) | 0;
    case 'uint8': return Math.trunc(x) & 255;
  }
}
