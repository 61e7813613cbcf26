// conv2d and its backward kernels on a system BLAS (blas/native.ts), as PyTorch's CPU convolution does
// without oneDNN: per image and channel group, im2col into a scratch matrix and one GEMM (1x1 convolutions
// with unit stride and no padding read the image itself), col2im for the input gradient. Each function
// returns false where no native GEMM is in use, and the WebAssembly kernels in conv.ts run instead.
import type { NumArray } from '../storage.js';
import { nativeConv } from '../blas/native.js';
import type { KernelExports } from '../threads/conv-parts.js';
import { ARGS, NARGS } from '../threads/gebp-part.js';
import { NATIVE_CONV_ARGS, nativeConvPart } from '../threads/native-conv-part.js';
import { putAddress } from '../threads/native-kit.js';
import { NATIVE_CONV, getNumThreads, runParts } from '../threads/pool.js';
import type { ConvGeom } from './im2col.js';
import type { T } from './util.js';
import { wasmGemm } from './wasm-gemm.js';

/** The geometry conv.ts works out: per-group channels Cg/Og, ckk = Cg*kh*kw, hw = Ho*Wo (C here is Cg). */
export interface ConvPlan extends ConvGeom { N: number; groups: number; Cg: number; Og: number; ckk: number; hw: number }

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

const args = new Int32Array(ARGS + NARGS);

/**
 * Whether native convolutions split the batch across kernel threads (on by default; FLINT_NATIVE_CONV_THREADS=0
 * turns it off, as this setter does; it returns the old setting). The kernel threads bind the same library
 * through koffi; blas/native.ts pins it, so that no thread's end can unmap it under the others.
 */
let splitBatch = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FLINT_NATIVE_CONV_THREADS !== '0';
export function setNativeConvThreads(on: boolean): boolean {
  const old = splitBatch;
  splitBatch = on;
  return old;
}

/**
 * The forward without im2col (see native-conv-part.ts): for unit strides with a window, where the output has
 * at most half the input's channels. There each product reads its image once and writes few rows, and
 * im2col's matrix (kh*kw times the image) was the cost: at batch 8, 1 thread, DenseNet's 3x3 convolutions
 * (128 to 32 channels) 48 -> 27 ms at 56x56, 3.5 -> 2.0 at 14x14, 1.8 -> 0.6 at 7x7; with as many output
 * channels as input ones (VGG's 50 and 100) it was 7-11% slower.
 */
const shiftedConv = (g: ConvPlan): boolean => g.sh === 1 && g.sw === 1 && g.kh * g.kw > 1 && 2 * g.Og <= g.Cg;

/** The weights as [groups, kh*kw, Og, Cg]: the slice for each window offset is one row-major matrix. */
function windowSlices(g: ConvPlan, w: T, Arr: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const k = g.kh * g.kw, src = w.buffer as Float32Array | Float64Array, out = new Arr(g.groups * k * g.Og * g.Cg);
  for (let gr = 0; gr < g.groups; gr++) {
    for (let o = 0; o < g.Og; o++) {
      for (let c = 0; c < g.Cg; c++) {
        const from = w.offset + ((gr * g.Og + o) * g.Cg + c) * k;
        for (let q = 0; q < k; q++) out[((gr * k + q) * g.Og + o) * g.Cg + c] = src[from + q]!;
      }
    }
  }
  return out;
}

/** Arrays whose addresses a running job holds: referenced here so that no collection can free them meanwhile. */
let pinned: unknown[] = [];

/**
 * Runs one job of threads/native-conv-part.ts: with several threads and images, each thread takes a share of
 * the images with the library on one thread per call (as PyTorch splits a batch); otherwise the calling thread
 * runs them all with the library's own threads. `acc`: the weight gradient's per-part accumulators.
 */
function runNative(mode: 0 | 1 | 2, g: ConvPlan, input: T, weight: T, bias: T | undefined, out: T): boolean {
  const nc = nativeConv(), OUT = out.buffer as NumArray;
  if (!nc || leftToWasm(g) || !(OUT instanceof Float32Array || OUT instanceof Float64Array)) return false;
  const f64 = OUT instanceof Float64Array, Arr = OUT.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  if (!(input.buffer instanceof Arr) || !(weight.buffer instanceof Arr) || (bias && !(bias.buffer instanceof Arr))) return false;
  const w = wasmGemm(), parts = w && nc.workers && splitBatch ? Math.min(getNumThreads(), g.N) : 1, size = f64 ? 8 : 4;
  const accCount = mode === 2 && parts > 1 ? (parts - 1) * g.groups * g.Og * g.ckk : 0, acc = accCount ? new Arr(accCount) : null;
  args.fill(0);
  const put: Partial<Record<keyof typeof NATIVE_CONV_ARGS, number>> = {
    mode, f64: f64 ? 1 : 0, parts, N: g.N, groups: g.groups, Cg: g.Cg, Og: g.Og, H: g.H, W: g.W, kh: g.kh, kw: g.kw, Ho: g.Ho, Wo: g.Wo,
    sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, dh: g.dh, dw: g.dw, bias: bias ? 1 : 0,
  };
  for (const [k, v] of Object.entries(put)) args[ARGS + NATIVE_CONV_ARGS[k as keyof typeof NATIVE_CONV_ARGS]] = v;
  const addr = (t: T): number => nc.kit.address(t.buffer as Float32Array) + t.offset * size;
  const shifted = mode === 0 && shiftedConv(g), wr = shifted ? windowSlices(g, weight, Arr) : null;
  args[ARGS + NATIVE_CONV_ARGS.shifted] = shifted ? 1 : 0;
  putAddress(args, ARGS + NATIVE_CONV_ARGS.input, addr(input));
  putAddress(args, ARGS + NATIVE_CONV_ARGS.weight, wr ? nc.kit.address(wr) : addr(weight));
  if (bias) putAddress(args, ARGS + NATIVE_CONV_ARGS.biasAt, addr(bias));
  putAddress(args, ARGS + NATIVE_CONV_ARGS.out, addr(out));
  if (acc) putAddress(args, ARGS + NATIVE_CONV_ARGS.acc, nc.kit.address(acc));
  const ranges = Array.from({ length: parts }, (_, p): [number, number] => [p, p + 1]);
  // one part: the library's threads split each product; several: each part's products run on one
  nc.threadsFor(parts > 1 ? 0 : g.Og * g.hw * g.ckk);
  pinned = [input.buffer, weight.buffer, bias?.buffer, out.buffer, wr, acc];
  try {
    if (w) runParts(w, NATIVE_CONV, args, ranges, nc);
    else nativeConvPart({ native: () => nc.kit } as unknown as KernelExports, args, ARGS, 0);
  } finally { pinned = []; }
  if (acc) {
    // the parts' sums, added in part order: the same result run to run for a thread count
    const GW = OUT, n = g.groups * g.Og * g.ckk;
    for (let p = 0; p < parts - 1; p++) for (let i = 0; i < n; i++) GW[out.offset + i] += acc[p * n + i]!;
  }
  return true;
}

/** out = conv2d(x, w) + bias on the native GEMM; false when there is none. */
export function blasConv2d(g: ConvPlan, x: T, w: T, bias: T | undefined, out: T): boolean {
  return runNative(0, g, x, w, bias, out);
}

/**
 * With unit strides the input gradient is itself a convolution: gy, padded by d(k-1) - p, against the
 * weights flipped in space with in and out channels swapped per group. That turns col2im's scattered adds
 * into im2col's block copies.
 */
function transposedConv(g: ConvPlan, gy: T, w: T, gx: T): boolean {
  const ph = g.dh * (g.kh - 1) - g.ph, pw = g.dw * (g.kw - 1) - g.pw;
  if (g.sh !== 1 || g.sw !== 1 || ph < 0 || pw < 0) return false;
  const W = w.buffer as Float32Array | Float64Array, k = g.kh * g.kw, flipped = new (W.constructor as Float32ArrayConstructor)(g.groups * g.Og * g.Cg * k);
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
  if (!nativeConv() || leftToWasm(g)) return false;
  return (!pointwise(g) && transposedConv(g, gy, w, gx)) || runNative(1, g, gy, w, undefined, gx);
}

/** gw = Σ over images of gy · colᵀ on the native GEMM; false when there is none. */
export function blasConv2dBackwardWeight(g: ConvPlan, gy: T, x: T, gw: T): boolean {
  return runNative(2, g, x, gy, undefined, gw);
}
