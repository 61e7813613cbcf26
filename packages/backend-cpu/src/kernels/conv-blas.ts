// conv2d and its backward kernels on a system BLAS (blas/native.ts), as PyTorch's CPU convolution does
// without oneDNN: per image and channel group, im2col into a scratch matrix and one GEMM (1x1 convolutions
// with unit stride and no padding read the image itself), col2im for the input gradient. Each function
// returns false where no native GEMM is in use, and the WebAssembly kernels in conv.ts run instead.
import type { NumArray } from '../storage.js';
import { nativeGemm } from '../blas/native.js';
import type { ConvGeom } from './im2col.js';
import { validCols } from './im2col.js';
import type { T } from './util.js';

/** The geometry conv.ts works out: per-group channels Cg/Og, ckk = Cg*kh*kw, hw = Ho*Wo (C here is Cg). */
export interface ConvPlan extends ConvGeom { N: number; groups: number; Cg: number; Og: number; ckk: number; hw: number }

let scratch: Float32Array | Float64Array = new Float32Array(0);
function colBuffer(like: NumArray, n: number): Float32Array | Float64Array {
  const f64 = like instanceof Float64Array;
  if (scratch.length < n || (scratch instanceof Float64Array) !== f64) scratch = f64 ? new Float64Array(n) : new Float32Array(n);
  return scratch;
}

/** A 1x1 window with unit stride and no padding: the col matrix is the image. */
type F = Float32Array | Float64Array;

/**
 * The oh range [oh0, oh1) whose input row oh*sh - ph + i*dh falls inside [0, H).
 */
function validRows(g: ConvGeom, i: number): [number, number] {
  const shift = i * g.dh - g.ph, lo = Math.max(0, Math.ceil(-shift / g.sh));
  return [lo, Math.max(lo, Math.min(g.Ho, Math.floor((g.H - 1 - shift) / g.sh) + 1))];
}

/**
 * With unit strides and Wo = W (a "same" convolution), a col row's valid rows are one contiguous run of the
 * image shifted by j*dw - pw: one block copy (or add), with the few columns that wrap into the neighbouring
 * image row fixed after.
 */
const blockRows = (g: ConvGeom): boolean => g.sh === 1 && g.sw === 1 && g.Wo === g.W;

/** col [C*kh*kw, Ho*Wo] = im2col of the image at xOff (C = channels per group). */
function im2col(X: F, xOff: number, g: ConvGeom, col: F): void {
  const { C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw } = g, hw = Ho * Wo, block = blockRows(g);
  for (let c = 0, row = 0; c < C; c++) {
    for (let i = 0; i < kh; i++) {
      const [r0, r1] = validRows(g, i);
      for (let j = 0; j < kw; j++, row++) {
        const [lo, hi] = validCols(g, j), shift = j * dw - pw, base = row * hw;
        if (block) {
          col.fill(0, base, base + r0 * Wo);
          col.fill(0, base + r1 * Wo, base + hw);
          if (r1 > r0) {
            const d = base + r0 * Wo, src = xOff + (c * H + r0 * sh - ph + i * dh) * W + shift, n = (r1 - r0) * Wo;
            // the run may start before the image or end after it (shift < 0 or > 0): copy what is inside
            const from = Math.max(src, xOff + c * H * W), to = Math.min(src + n, xOff + (c + 1) * H * W);
            col.set(X.subarray(from, to), d + from - src);
            for (let oh = r0, e = d; oh < r1; oh++, e += Wo) {
              for (let q = 0; q < lo; q++) col[e + q] = 0;
              for (let q = hi; q < Wo; q++) col[e + q] = 0;
            }
          }
          continue;
        }
        for (let oh = 0, d = base; oh < Ho; oh++, d += Wo) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) { for (let q = 0; q < Wo; q++) col[d + q] = 0; continue; }
          const src = xOff + (c * H + ih) * W + shift;
          for (let q = 0; q < lo; q++) col[d + q] = 0;
          if (sw === 1) for (let q = lo; q < hi; q++) col[d + q] = X[src + q]!;
          else for (let q = lo; q < hi; q++) col[d + q] = X[src + q * sw]!;
          for (let q = hi; q < Wo; q++) col[d + q] = 0;
        }
      }
    }
  }
}

/** dx (the image at dxOff) += col2im(col): the adjoint of im2col. `col` is scratch: its padding columns are zeroed. */
function col2im(col: F, g: ConvGeom, DX: F, dxOff: number): void {
  const { C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw } = g, hw = Ho * Wo, block = blockRows(g);
  for (let c = 0, row = 0; c < C; c++) {
    for (let i = 0; i < kh; i++) {
      const [r0, r1] = validRows(g, i);
      for (let j = 0; j < kw; j++, row++) {
        const [lo, hi] = validCols(g, j), shift = j * dw - pw, base = row * hw;
        if (block) {
          if (r1 <= r0) continue;
          const d = base + r0 * Wo, src = dxOff + (c * H + r0 * sh - ph + i * dh) * W + shift, n = (r1 - r0) * Wo;
          // padding columns would land on the neighbouring row: zero them, then add the run in one pass
          for (let oh = r0, e = d; oh < r1; oh++, e += Wo) {
            for (let q = 0; q < lo; q++) col[e + q] = 0;
            for (let q = hi; q < Wo; q++) col[e + q] = 0;
          }
          const from = Math.max(src, dxOff + c * H * W), to = Math.min(src + n, dxOff + (c + 1) * H * W);
          for (let k = from, e = d + from - src; k < to; k++, e++) DX[k] += col[e]!;
          continue;
        }
        for (let oh = 0, d = base; oh < Ho; oh++, d += Wo) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          const dst = dxOff + (c * H + ih) * W + shift;
          if (sw === 1) for (let q = lo; q < hi; q++) DX[dst + q] += col[d + q]!;
          else for (let q = lo; q < hi; q++) DX[dst + q * sw] += col[d + q]!;
        }
      }
    }
  }
}

/**
 * Left to conv.ts: a product with an empty side (BLAS rejects zero leading dimensions), and small ones (under
 * 1M multiply-adds per image), where a call per image costs more than the WebAssembly path, which batches the
 * images and splits them across its threads: the Fashion-MNIST CNN's convolutions (0.2M and 0.8M) train 1.5x
 * slower on per-image BLAS calls. Above 1M the native GEMM wins, also on few channels: at batch 64, 1 thread,
 * VGG's first layer (3 to 50 channels, 1.4M) 8.9 -> 4.4 ms forward and 15.1 -> 5.5 ms weight gradient, and
 * DenseNet's 7x7 3x3 convolutions (1.8M) about 2.5x faster.
 */
let minimum = 1_000_000;
const leftToWasm = (g: ConvPlan): boolean => g.N === 0 || g.hw === 0 || g.ckk === 0 || g.Og === 0 || g.Og * g.hw * g.ckk < minimum;

/** Sets the per-image size below which convolutions stay on the WebAssembly path (tests run small shapes natively); returns the old one. */
export function setBlasConvMinimum(macs: number): number {
  const old = minimum;
  minimum = macs;
  return old;
}
const pointwise = (g: ConvPlan): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;
const imageOff = (base: number, g: ConvPlan, n: number, gr: number, perGroup: number, size: number): number => base + (n * g.groups + gr) * perGroup * size;

/** out = conv2d(x, w) + bias on the native GEMM; false when there is none. */
export function blasConv2d(g: ConvPlan, x: T, w: T, bias: T | undefined, out: T): boolean {
  const X = x.buffer as NumArray, Y = out.buffer as NumArray, gemm = nativeGemm(Y);
  if (!gemm || leftToWasm(g) || !(X instanceof Y.constructor)) return false;
  const geom = { ...g, C: g.Cg }, direct = pointwise(g), col = direct ? null : colBuffer(Y, g.ckk * g.hw);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const xOff = imageOff(x.offset, g, n, gr, g.Cg, g.H * g.W), yOff = imageOff(out.offset, g, n, gr, g.Og, g.hw);
      if (col) im2col(X as F, xOff, geom, col);
      if (bias) for (let o = 0; o < g.Og; o++) Y.fill(bias.buffer[bias.offset + gr * g.Og + o] as number, yOff + o * g.hw, yOff + (o + 1) * g.hw);
      gemm(false, false, g.Og, g.hw, g.ckk, 1, w.buffer as NumArray, w.offset + gr * g.Og * g.ckk, g.ckk,
        col ?? X, col ? 0 : xOff, g.hw, bias ? 1 : 0, Y, yOff, g.hw);
    }
  }
  return true;
}

/**
 * With unit strides the input gradient is itself a convolution: gy, padded by d(k-1) - p, against the
 * weights flipped in space with in and out channels swapped per group. That turns col2im's scattered adds
 * into im2col's block copies.
 */
function transposedConv(g: ConvPlan, gy: T, w: T, gx: T): boolean {
  const ph = g.dh * (g.kh - 1) - g.ph, pw = g.dw * (g.kw - 1) - g.pw;
  if (g.sh !== 1 || g.sw !== 1 || ph < 0 || pw < 0) return false;
  const W = w.buffer as F, k = g.kh * g.kw, flipped = new (W.constructor as Float32ArrayConstructor)(g.groups * g.Og * g.Cg * k);
  for (let gr = 0; gr < g.groups; gr++) {
    for (let o = 0; o < g.Og; o++) {
      for (let c = 0; c < g.Cg; c++) {
        const src = w.offset + ((gr * g.Og + o) * g.Cg + c) * k, dst = ((gr * g.Cg + c) * g.Og + o) * k;
        for (let q = 0; q < k; q++) flipped[dst + k - 1 - q] = W[src + q]!;
      }
    }
  }
  const plan: ConvPlan = {
    ...g, C: g.Og, Cg: g.Og, Og: g.Cg, H: g.Ho, W: g.Wo, Ho: g.H, Wo: g.W, ph, pw, ckk: g.Og * k, hw: g.H * g.W,
  };
  return blasConv2d(plan, gy, { ...w, buffer: flipped, offset: 0 }, undefined, gx);
}

/** gx = the input gradient (col2im of wᵀ gy per image) on the native GEMM; false when there is none. */
export function blasConv2dBackwardInput(g: ConvPlan, gy: T, w: T, gx: T): boolean {
  const GY = gy.buffer as NumArray, DX = gx.buffer as NumArray, gemm = nativeGemm(DX);
  if (!gemm || leftToWasm(g) || !(GY instanceof DX.constructor)) return false;
  if (!pointwise(g) && transposedConv(g, gy, w, gx)) return true;
  const geom = { ...g, C: g.Cg }, direct = pointwise(g), col = direct ? null : colBuffer(DX, g.ckk * g.hw);
  if (col) DX.fill(0, gx.offset, gx.offset + g.N * g.groups * g.Cg * g.H * g.W);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const dxOff = imageOff(gx.offset, g, n, gr, g.Cg, g.H * g.W), gyOff = imageOff(gy.offset, g, n, gr, g.Og, g.hw);
      gemm(true, false, g.ckk, g.hw, g.Og, 1, w.buffer as NumArray, w.offset + gr * g.Og * g.ckk, g.ckk, GY, gyOff, g.hw, 0, col ?? DX, col ? 0 : dxOff, g.hw);
      if (col) col2im(col, geom, DX as F, dxOff);
    }
  }
  return true;
}

/** gw = Σ over images of gy · colᵀ on the native GEMM (accumulated in place); false when there is none. */
export function blasConv2dBackwardWeight(g: ConvPlan, gy: T, x: T, gw: T): boolean {
  const GY = gy.buffer as NumArray, X = x.buffer as NumArray, GW = gw.buffer as NumArray, gemm = nativeGemm(GW);
  if (!gemm || leftToWasm(g) || !(GY instanceof GW.constructor) || !(X instanceof GW.constructor)) return false;
  const geom = { ...g, C: g.Cg }, direct = pointwise(g), col = direct ? null : colBuffer(GW, g.ckk * g.hw);
  for (let gr = 0; gr < g.groups; gr++) {
    const wOff = gw.offset + gr * g.Og * g.ckk;
    for (let n = 0; n < g.N; n++) {
      const xOff = imageOff(x.offset, g, n, gr, g.Cg, g.H * g.W), gyOff = imageOff(gy.offset, g, n, gr, g.Og, g.hw);
      if (col) im2col(X as F, xOff, geom, col);
      gemm(false, true, g.Og, g.ckk, g.hw, 1, GY, gyOff, g.hw, col ?? X, col ? 0 : xOff, g.hw, n === 0 ? 0 : 1, GW, wOff, g.ckk);
    }
  }
  return true;
}
