// Convolution on a native BLAS, a share of the batch per kernel thread, as PyTorch's CPU convolution without
// oneDNN splits it: each thread im2cols its images into its own scratch and runs one single-threaded GEMM per
// image and channel group, reading and writing the tensors by address (threads/native-kit.ts). Self-contained
// (workers get it as source text); conv-blas.ts fills the arguments.
import type { KernelExports } from './conv-parts.js';

/** Argument slots of a native conv job after the job's base index; an address takes two (low, high 32 bits). */
export const NATIVE_CONV_ARGS = {
  mode: 0, f64: 1, parts: 2, N: 3, groups: 4, Cg: 5, Og: 6, H: 7, W: 8, kh: 9, kw: 10, Ho: 11, Wo: 12,
  sh: 13, sw: 14, ph: 15, pw: 16, dh: 17, dw: 18, bias: 19, input: 20, weight: 22, biasAt: 24, out: 26, acc: 28, shifted: 30,
} as const;

/**
 * Part `p` of `parts` (images [p*N/parts, (p+1)*N/parts)) of one job:
 * - mode 0, forward: out[N, G*Og, Ho, Wo] = weight[G*Og, Cg, kh, kw] conv input[N, G*Cg, H, W] (+ bias[G*Og]);
 *   `shifted` (unit strides): no im2col but kh*kw products, one per window offset, of the weights' slice for
 *   that offset (weight is then [G, kh*kw, Og, Cg]) with the zero-padded image read at that offset: each
 *   output row then has Wp = W + 2pw columns, the last Wp - Wo of them discarded;
 * - mode 1, input gradient: out[N, G*Cg, H, W] = col2im(weightᵀ input), input being gradOut;
 * - mode 2, weight gradient: the sum over the part's images of weight · colᵀ (weight here is gradOut
 *   [N, G*Og, Ho*Wo]) into out [G*Og, Cg*kh*kw] for part 0 and into accumulator p - 1 at `acc` for the others.
 */
export function nativeConvPart(x: KernelExports, a: ArrayLike<number>, o: number, p: number): void {
  const kit = x.native?.();
  if (!kit) throw new Error('no native BLAS on this thread');
  const at = (k: number): number => a[o + k + 1]! * 4294967296 + (a[o + k]! >>> 0);
  const mode = a[o]!, f64 = a[o + 1]! === 1, parts = a[o + 2]!, N = a[o + 3]!, G = a[o + 4]!, C = a[o + 5]!, Og = a[o + 6]!;
  const H = a[o + 7]!, W = a[o + 8]!, kh = a[o + 9]!, kw = a[o + 10]!, Ho = a[o + 11]!, Wo = a[o + 12]!;
  const sh = a[o + 13]!, sw = a[o + 14]!, ph = a[o + 15]!, pw = a[o + 16]!, dh = a[o + 17]!, dw = a[o + 18]!;
  const input = at(20), weight = at(22), out = at(26), size = f64 ? 8 : 4;
  const ckk = C * kh * kw, hw = Ho * Wo, chw = C * H * W, n0 = Math.floor((p * N) / parts), n1 = Math.floor(((p + 1) * N) / parts);
  const direct = kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
  const col = direct ? null : kit.scratch(ckk * hw, f64);
  // the output positions t in [0, n) whose input index t*s - pad + k*d falls inside [0, len)
  const span = (k: number, s: number, d: number, pad: number, n: number, len: number): [number, number] => {
    const shift = k * d - pad, lo = Math.max(0, Math.ceil(-shift / s));
    return [lo, Math.max(lo, Math.min(n, Math.floor((len - 1 - shift) / s) + 1))];
  };
  // unit strides and Wo = W: a col row's valid rows are one run of the image shifted by j*dw - pw, with the
  // few columns that wrap into the neighbouring image row fixed after
  const block = sh === 1 && sw === 1 && Wo === W;
  /** Calls `visit` for each col row (c, i, j): its valid output rows [r0, r1) and columns [lo, hi), its column shift and first element. */
  const eachRow = (visit: (c: number, i: number, r0: number, r1: number, lo: number, hi: number, shift: number, base: number) => void): void => {
    for (let c = 0, row = 0; c < C; c++) {
      for (let i = 0; i < kh; i++) {
        const [r0, r1] = span(i, sh, dh, ph, Ho, H);
        for (let j = 0; j < kw; j++, row++) {
          const [lo, hi] = span(j, sw, dw, pw, Wo, W);
          visit(c, i, r0, r1, lo, hi, j * dw - pw, row * hw);
        }
      }
    }
  };
  /** Zeroes the columns outside [lo, hi) of col rows r0..r1 from c2[d] (in a block run they hold the neighbouring image row). */
  const clearWrapped = (c2: Float32Array | Float64Array, d: number, r0: number, r1: number, lo: number, hi: number): void => {
    if (lo === 0 && hi === Wo) return;
    for (let oh = r0, e = d; oh < r1; oh++, e += Wo) {
      for (let q = 0; q < lo; q++) c2[e + q] = 0;
      for (let q = hi; q < Wo; q++) c2[e + q] = 0;
    }
  };
  /** col [ckk, hw] = im2col of the image at X[xo]. */
  const im2col = (X: Float32Array | Float64Array, xo: number, c2: Float32Array | Float64Array): void => eachRow((c, i, r0, r1, lo, hi, shift, base) => {
    if (block) {
      c2.fill(0, base, base + r0 * Wo);
      c2.fill(0, base + r1 * Wo, base + hw);
      if (r1 <= r0) return;
      const d = base + r0 * Wo, src = xo + (c * H + r0 - ph + i * dh) * W + shift, n = (r1 - r0) * Wo;
      // the run may start before the channel or end after it (shift < 0 or > 0): copy what is inside
      const from = Math.max(src, xo + c * H * W), to = Math.min(src + n, xo + (c + 1) * H * W);
      c2.set(X.subarray(from, to), d + from - src);
      clearWrapped(c2, d, r0, r1, lo, hi);
      return;
    }
    for (let oh = 0, d = base; oh < Ho; oh++, d += Wo) {
      const ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) { c2.fill(0, d, d + Wo); continue; }
      const src = xo + (c * H + ih) * W + shift;
      for (let q = 0; q < lo; q++) c2[d + q] = 0;
      if (sw === 1) for (let q = lo; q < hi; q++) c2[d + q] = X[src + q]!;
      else for (let q = lo; q < hi; q++) c2[d + q] = X[src + q * sw]!;
      for (let q = hi; q < Wo; q++) c2[d + q] = 0;
    }
  });
  /** DX[xo...] += col2im(col), the adjoint of im2col; col's padding columns are zeroed on the way. */
  const col2im = (c2: Float32Array | Float64Array, DX: Float32Array | Float64Array, xo: number): void => eachRow((c, i, r0, r1, lo, hi, shift, base) => {
    if (block) {
      if (r1 <= r0) return;
      const d = base + r0 * Wo, src = xo + (c * H + r0 - ph + i * dh) * W + shift, n = (r1 - r0) * Wo;
      // padding columns would land on the neighbouring row: zero them, then add the run in one pass
      clearWrapped(c2, d, r0, r1, lo, hi);
      const from = Math.max(src, xo + c * H * W), to = Math.min(src + n, xo + (c + 1) * H * W);
      for (let k = from, e = d + from - src; k < to; k++, e++) DX[k] += c2[e]!;
      return;
    }
    for (let oh = 0, d = base; oh < Ho; oh++, d += Wo) {
      const ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      const dst = xo + (c * H + ih) * W + shift;
      if (sw === 1) for (let q = lo; q < hi; q++) DX[dst + q] += c2[d + q]!;
      else for (let q = lo; q < hi; q++) DX[dst + q * sw] += c2[d + q]!;
    }
  });
  // image n, group gr of an [N, G*per, ...] tensor whose channels hold `el` elements each, as an element index
  const img = (n: number, gr: number, per: number, el: number): number => (n * G + gr) * per * el;
  const wAt = (gr: number): number => weight + gr * Og * ckk * size;
  if (mode === 0 && a[o + 30]! === 1) {
    const X = kit.view(input + img(n0, 0, C, H * W) * size, (n1 - n0) * G * chw, f64);
    const Y = kit.view(out + img(n0, 0, Og, hw) * size, (n1 - n0) * G * Og * hw, f64);
    const bias = a[o + 19]! ? kit.view(at(24), G * Og, f64) : null;
    // the padded image, with room for the last offset's run past the last row, then the wide output rows
    const Hp = H + 2 * ph, Wp = W + 2 * pw, plane = Hp * Wp, padSize = C * plane + (kw - 1) * dw, ext = Ho * Wp;
    const s2 = kit.scratch(padSize + Og * ext, f64), P = s2.arr, wide = s2.at + padSize * size;
    for (let n = n0; n < n1; n++) {
      for (let gr = 0; gr < G; gr++) {
        const xo = img(n - n0, gr, C, H * W), yo = img(n - n0, gr, Og, hw);
        P.fill(0, 0, padSize);
        for (let c = 0; c < C; c++) {
          for (let h = 0; h < H; h++) {
            const d = c * plane + (h + ph) * Wp + pw, src = xo + (c * H + h) * W;
            for (let q = 0; q < W; q++) P[d + q] = X[src + q]!;
          }
        }
        for (let k = 0; k < kh * kw; k++) {
          const i = Math.floor(k / kw), j = k % kw;
          kit.gemm(f64, false, false, Og, ext, C, 1, weight + (gr * kh * kw + k) * Og * C * size, C, s2.at + (i * dh * Wp + j * dw) * size, plane,
            k === 0 ? 0 : 1, wide, ext);
        }
        for (let r = 0; r < Og; r++) {
          const b = bias ? bias[gr * Og + r]! : 0;
          for (let h = 0; h < Ho; h++) {
            const from = padSize + r * ext + h * Wp, to = yo + (r * Ho + h) * Wo;
            for (let q = 0; q < Wo; q++) Y[to + q] = P[from + q]! + b;
          }
        }
      }
    }
  } else if (mode === 0) {
    const X = direct ? null : kit.view(input + img(n0, 0, C, H * W) * size, (n1 - n0) * G * chw, f64);
    const Y = a[o + 19]! ? kit.view(out + img(n0, 0, Og, hw) * size, (n1 - n0) * G * Og * hw, f64) : null;
    const bias = Y ? kit.view(at(24), G * Og, f64) : null;
    for (let n = n0; n < n1; n++) {
      for (let gr = 0; gr < G; gr++) {
        if (X && col) im2col(X, img(n - n0, gr, C, H * W), col.arr);
        const yo = img(n - n0, gr, Og, hw);
        if (Y && bias) for (let r = 0; r < Og; r++) Y.fill(bias[gr * Og + r]!, yo + r * hw, yo + (r + 1) * hw);
        kit.gemm(f64, false, false, Og, hw, ckk, 1, wAt(gr), ckk, col ? col.at : input + img(n, gr, C, H * W) * size, hw,
          Y ? 1 : 0, out + img(n, gr, Og, hw) * size, hw);
      }
    }
  } else if (mode === 1) {
    const DX = direct ? null : kit.view(out + img(n0, 0, C, H * W) * size, (n1 - n0) * G * chw, f64);
    DX?.fill(0);
    for (let n = n0; n < n1; n++) {
      for (let gr = 0; gr < G; gr++) {
        kit.gemm(f64, true, false, ckk, hw, Og, 1, wAt(gr), ckk, input + img(n, gr, Og, hw) * size, hw, 0,
          col ? col.at : out + img(n, gr, C, H * W) * size, hw);
        if (DX && col) col2im(col.arr, DX, img(n - n0, gr, C, H * W));
      }
    }
  } else {
    const X = direct ? null : kit.view(input + img(n0, 0, C, H * W) * size, (n1 - n0) * G * chw, f64);
    const acc = p === 0 ? out : at(28) + (p - 1) * G * Og * ckk * size;
    for (let gr = 0; gr < G; gr++) {
      for (let n = n0; n < n1; n++) {
        if (X && col) im2col(X, img(n - n0, gr, C, H * W), col.arr);
        kit.gemm(f64, false, true, Og, ckk, hw, 1, weight + img(n, gr, Og, hw) * size, hw, col ? col.at : input + img(n, gr, C, H * W) * size, hw,
          n === n0 ? 0 : 1, acc + gr * Og * ckk * size, ckk);
      }
    }
  }
}
