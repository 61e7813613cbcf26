// Exact int64 arithmetic on the two int32 words of each element: an int64 buffer is a BigInt64Array, and
// kernels read it through an Int32Array view (element i: lo = w[2i], hi = w[2i+1]). Word arithmetic wraps
// as two's complement, like PyTorch's int64, and allocates no BigInt (a BigInt read costs ~20x a number's).
import { BackendError, isDense, stridedOffsets } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import type { T } from './util.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new BackendError('@flint/backend-cpu: int64 kernels assume a little-endian engine (the low word first)');
}

export const TWO32 = 4294967296, TWO53 = 2 ** 53;
const TWO63 = 2 ** 63;
/** INT64_MIN's high word: what torch's CPU gives for NaN, ±inf and out-of-range floats cast to int64. */
const MIN_HI = -2147483648;

/** The word view of an int64 buffer (any other buffer type is a bug in the caller). */
export function words(b: CpuArray): Int32Array {
  return new Int32Array(b.buffer, b.byteOffset, b.length * 2);
}

/** The value of words (lo, hi) as the nearest double (exact below 2^53). */
export const wordsToNumber = (lo: number, hi: number): number => hi * TWO32 + (lo >>> 0);

/** Results of the word helpers below: R[0] = lo, R[1] = hi (a scratch pair, so they allocate nothing). */
export const R = new Int32Array(2);

/** An integral double's words into R; NaN, ±inf and values outside [-2^63, 2^63) give INT64_MIN as in torch. */
export function fromNumber(v: number): void {
  if (!(v >= -TWO63 && v < TWO63)) { R[0] = 0; R[1] = MIN_HI; return; }
  const t = Math.trunc(v);
  R[0] = t | 0; // ToInt32 is exact modulo 2^32 for every finite double
  R[1] = Math.floor(t / TWO32);
}

/** Low 64 bits of the product (lo, hi) * (lo, hi), into R: 16-bit limbs keep every partial product exact. */
export function mul64(xl: number, xh: number, yl: number, yh: number): void {
  const a = xl >>> 0, b = yl >>> 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1, midHi = Math.floor(mid / 65536);
  const low = a0 * b0 + (mid - midHi * 65536) * 65536;
  const carry = Math.floor(low / TWO32);
  R[0] = low | 0;
  R[1] = (a1 * b1 + midHi + carry + Math.imul(xh, yl) + Math.imul(xl, yh)) | 0;
}

const big = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
function bigToR(v: bigint): void {
  const w = BigInt.asIntN(64, v);
  R[0] = Number(BigInt.asIntN(32, w));
  R[1] = Number(w >> 32n);
}

/** Python's modulo (the divisor's sign) into R; doubles when both fit 2^53, else BigInt. */
export function rem64(xl: number, xh: number, yl: number, yh: number): void {
  if (xh >= -0x200000 && xh < 0x200000 && yh >= -0x200000 && yh < 0x200000) {
    const x = wordsToNumber(xl, xh), y = wordsToNumber(yl, yh), r = x % y;
    fromNumber(r !== 0 && (r < 0) !== (y < 0) ? r + y : r);
    return;
  }
  const x = big(xl, xh), y = big(yl, yh);
  let r = x % y;
  if (r !== 0n && (r < 0n) !== (y < 0n)) r += y;
  bigToR(r);
}

/**
 * x ** e into R, wrapping. A negative exponent gives 1 for x = 1, ±1 for x = -1 and 0 otherwise, as torch's
 * integer pow does for tensor exponents (a negative scalar exponent is refused before this).
 */
export function pow64(xl: number, xh: number, el: number, eh: number): void {
  if (eh < 0) {
    const one = xh === 0 && xl === 1, minusOne = xh === -1 && xl === -1;
    R[0] = one ? 1 : minusOne ? ((el & 1) ? -1 : 1) : 0;
    R[1] = minusOne && (el & 1) ? -1 : 0;
    return;
  }
  let rl = 1, rh = 0, bl = xl, bh = xh, lo = el >>> 0, hi = eh;
  while (lo !== 0 || hi !== 0) {
    if (lo & 1) { mul64(rl, rh, bl, bh); rl = R[0]!; rh = R[1]!; }
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (lo !== 0 || hi !== 0) { mul64(bl, bh, bl, bh); bl = R[0]!; bh = R[1]!; }
  }
  R[0] = rl; R[1] = rh;
}

/**
 * int64 (lo, hi) → the nearest float32. Through a double it could round twice (2^60 + 2^36 + 1 would tie
 * and go to 2^60), so above 2^53 the bits a double drops are first folded into one sticky bit.
 */
export function toFloat32(lo: number, hi: number): number {
  if (hi >= -0x200000 && hi < 0x200000) return Math.fround(wordsToNumber(lo, hi));
  let m = big(lo, hi);
  const neg = m < 0n;
  if (neg) m = -m;
  if (m & 0x7ffn) m = (m & ~0x7ffn) | 0x800n;
  const f = Math.fround(Number(m));
  return neg ? -f : f;
}

/** An int64 fill value: a BigInt built once from the words of a number. */
export function bigOf(v: number): bigint {
  fromNumber(v);
  return big(R[0]!, R[1]!);
}

/**
 * The values of an index tensor (int32 or int64, any view) in row-major order, as numbers: int64 is read
 * once here, so gather/scatterAdd/crossEntropy index plain arrays. Values beyond 2^53 round, which only
 * ever matters for indices far out of range (still out of range after rounding).
 */
export function indexValues(t: T): NumArray {
  const n = t.shape.reduce((a, b) => a * b, 1), dense = isDense(t.shape, t.strides);
  if (t.dtype !== 'int64') {
    const b = t.buffer as NumArray;
    if (dense) return b.subarray(t.offset, t.offset + n);
    const o = stridedOffsets(t.shape, t.strides, t.offset), out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = b[o[i]!]!;
    return out;
  }
  const w = words(t.buffer), out = new Float64Array(n);
  if (dense) for (let i = 0, k = 2 * t.offset; i < n; i++, k += 2) out[i] = w[k + 1]! * TWO32 + (w[k]! >>> 0);
  else {
    const o = stridedOffsets(t.shape, t.strides, t.offset);
    for (let i = 0; i < n; i++) { const k = 2 * o[i]!; out[i] = w[k + 1]! * TWO32 + (w[k]! >>> 0); }
  }
  return out;
}

/**
 * Where a kernel writes index outputs (argmax, maxPool2d's indices) of an 'index' dtype: an Int32Array and
 * the step between elements, 2 for int64's low words (the caller zeroes or writes the high words).
 */
export function indexSink(t: T): { I: Int32Array; step: number } {
  if (t.dtype === 'int64') return { I: words(t.buffer), step: 2 };
  return { I: t.buffer as Int32Array, step: 1 };
}
