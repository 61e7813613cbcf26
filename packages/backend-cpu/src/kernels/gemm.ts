// Cache-blocked GEMM over packed panels (the GotoBLAS/BLIS loop nest). Callers supply packers, so an
// operand can be any strided matrix or be generated on the fly (conv's im2col packs straight into panels),
// and a sink that takes finished blocks of C (conv adds bias or runs col2im there, with no extra copy).
// float32 runs the WebAssembly SIMD macro-kernel; other dtypes (and engines without SIMD) a JS 4x4 one.
import type { NumArray } from '../storage.js';
import { runGebp } from '../threads/pool.js';
import { ensureWasmFloats, wasmGemm } from './wasm-gemm.js';

export type Scratch = Float32Array | Float64Array;

/** An operand matrix: element (i, j) at data[off + i*rs + j*cs]. */
export interface MatView { data: NumArray; off: number; rs: number; cs: number }

/**
 * Writes rows [i0, i0+n) (for A; columns for B) of an operand over k in [p0, p0+kc) as w-wide panels:
 * dst[d + panel*kc*w + k*w + lane] = op(i0 + panel*w + lane, p0 + k), zero past row n.
 */
export type Packer = (p0: number, kc: number, i0: number, n: number, w: number, dst: Scratch, d: number) => void;

/** Takes the finished columns [j0, j0+nc) of C: C(i, j0 + j) = buf[cb + i*ldcb + j] for i < M, j < nc. */
export type Sink = (buf: Scratch, cb: number, ldcb: number, j0: number, nc: number) => void;

export interface GemmSpec {
  M: number; N: number; K: number; packA: Packer; packB: Packer; sink: Sink;
  /** A token for A's contents: a call with the token of the previous call reuses its packed A. */
  aKey?: object;
  /** K blocks never straddle a multiple of this (conv's weight gradient: one image per block). */
  kSeg?: number;
  /** Floats at the start of wasm memory that the caller keeps its own data in (conv's staged images). */
  reserve?: number;
  useWasm: boolean;
}

// KC x NR (16 KB) B panels stay in L1, MC x KC (120 KB) A blocks in L2, KC x NC B blocks in L3.
/** Block sizes (floats): see above; conv-images.ts blocks the same way. */
export const KC = 256, MC0 = 120, NC0 = 4096;

/**
 * Copy a kc x cols block of a matrix into w-wide panels: dst[panel][k][q] = src(k, panel*w + q),
 * zero-padded to whole panels, panels `panelSize` apart (more than kc*w when this fills part of a block).
 * The loop order follows the smaller stride so reads stay sequential (walking a row-major matrix down
 * its columns touched a new page per element).
 */
export function packPanels(data: NumArray, base: number, kStride: number, qStride: number, kc: number, cols: number, w: number,
  dst: Scratch, d: number, panelSize = w * kc): void {
  const panels = Math.ceil(cols / w), pad = panels * w;
  if (qStride === 1 && data instanceof Float32Array && dst instanceof Float32Array && kStride >= cols) {
    packRowsBits(new Int32Array(data.buffer, data.byteOffset, data.length), base, kStride, kc, cols, w, new Int32Array(dst.buffer, dst.byteOffset, dst.length), d, panelSize);
    return;
  }
  if (Math.abs(qStride) <= Math.abs(kStride)) {
    const full = Math.floor(cols / w);
    for (let k = 0; k < kc; k++) {
      const s = base + k * kStride, o = d + k * w;
      for (let p = 0; p < full; p++) {
        const op = o + p * panelSize, sp = s + p * w * qStride;
        if (qStride === 1) for (let q = 0; q < w; q++) dst[op + q] = data[sp + q]!;
        else for (let q = 0; q < w; q++) dst[op + q] = data[sp + q * qStride]!;
      }
      if (full < panels) {
        const op = o + full * panelSize, sp = s + full * w * qStride, n = cols - full * w;
        for (let q = 0; q < n; q++) dst[op + q] = data[sp + q * qStride]!;
        for (let q = n; q < w; q++) dst[op + q] = 0;
      }
    }
    return;
  }
  for (let q = 0; q < pad; q++) {
    const o = d + Math.floor(q / w) * panelSize + (q % w);
    if (q < cols) for (let k = 0, s = base + q * qStride; k < kc; k++, s += kStride) dst[o + k * w] = data[s]!;
    else for (let k = 0; k < kc; k++) dst[o + k * w] = 0;
  }
}

/**
 * packPanels for float32 rows that are contiguous along q: the bits move as int32 (no float conversions),
 * the narrow A panels (w = 3) unrolled. A transposed operand (a weight gradient's gᵀ) packs this way:
 * 3-4x faster than the general loop, whose inner loop of 3 cost more than the copy.
 */
function packRowsBits(src: Int32Array, base: number, kStride: number, kc: number, cols: number, w: number, dst: Int32Array, d: number, panelSize: number): void {
  const full = Math.floor(cols / w), rest = cols - full * w;
  for (let k = 0; k < kc; k++) {
    let s = base + k * kStride, o = d + k * w;
    if (w === 3) {
      for (let p = 0; p < full; p++, s += 3, o += panelSize) { dst[o] = src[s]!; dst[o + 1] = src[s + 1]!; dst[o + 2] = src[s + 2]!; }
    } else {
      for (let p = 0; p < full; p++, s += w, o += panelSize) for (let q = 0; q < w; q++) dst[o + q] = src[s + q]!;
    }
    if (rest > 0) {
      for (let q = 0; q < rest; q++) dst[o + q] = src[s + q]!;
      for (let q = rest; q < w; q++) dst[o + q] = 0;
    }
  }
}

/** Packs A = a (rows i, columns k) into panels. */
export const packRows = (a: MatView): Packer => (p0, kc, i0, n, w, dst, d) =>
  packPanels(a.data, a.off + i0 * a.rs + p0 * a.cs, a.cs, a.rs, kc, n, w, dst, d);

/** Packs B = b (rows k, columns j) into panels. */
export const packCols = (b: MatView): Packer => (p0, kc, j0, n, w, dst, d) =>
  packPanels(b.data, b.off + p0 * b.rs + j0 * b.cs, b.rs, b.cs, kc, n, w, dst, d);

/** JS micro-kernel: C[4x4] at c (row stride ldc) += Ap x Bp. Doubles keep 16 accumulators in registers. */
function jsMicro(kc: number, A: Float64Array, ai: number, B: Float64Array, bi: number, C: Float64Array, ci: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ai += 4, bi += 4) {
    const b0 = B[bi]!, b1 = B[bi + 1]!, b2 = B[bi + 2]!, b3 = B[bi + 3]!;
    let a = A[ai]!; c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = A[ai + 1]!; c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = A[ai + 2]!; c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = A[ai + 3]!; c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
  }
  C[ci] += c00; C[ci + 1] += c01; C[ci + 2] += c02; C[ci + 3] += c03; ci += ldc;
  C[ci] += c10; C[ci + 1] += c11; C[ci + 2] += c12; C[ci + 3] += c13; ci += ldc;
  C[ci] += c20; C[ci + 1] += c21; C[ci + 2] += c22; C[ci + 3] += c23; ci += ldc;
  C[ci] += c30; C[ci + 1] += c31; C[ci + 2] += c32; C[ci + 3] += c33;
}

let jsScratch = new Float64Array(0);
let packedA: { key: object; M: number; K: number; wasm: boolean } | null = null;

/** C[M,N] = A[M,K] x B[K,N], handing C to spec.sink one column block at a time. */
export function gemmCore(spec: GemmSpec): void {
  const { M, N, K, packA, packB, sink } = spec;
  if (M === 0 || N === 0) return;
  const w = spec.useWasm ? wasmGemm() : null;
  const MR = w ? w.mr : 4, NR = w ? w.nr : 4;
  // block sizes are whole numbers of micro-tiles so padded panels never spill into the next block;
  // K blocks are balanced (450 -> 225 + 225, not 256 + 194) so no block is a short, overhead-heavy one
  const MC = Math.floor(MC0 / MR) * MR, NC = Math.floor(NC0 / NR) * NR, kSeg = Math.min(K, spec.kSeg ?? K);
  const kcB = Math.ceil(kSeg / Math.max(1, Math.ceil(kSeg / KC))), mPad = Math.ceil(M / MR) * MR;
  const ncMax = Math.min(NC, Math.ceil(N / NR) * NR);
  // scratch: [A: all of it when reusable, else one K block][B block: kcB*ncMax][C block: mPad*ncMax]
  const key = spec.aKey, keep = key !== undefined;
  const aBase = w ? spec.reserve ?? 0 : 0, bBase = aBase + (keep ? mPad * K : mPad * kcB), cBase = bBase + kcB * ncMax, total = cBase + mPad * ncMax;
  let reuse = keep && packedA !== null && packedA.key === key && packedA.M === M && packedA.K === K && packedA.wasm === !!w;
  let buf: Scratch;
  if (w) { ensureWasmFloats(w, total); buf = w.f32; } else {
    // growing wasm memory keeps its contents; a new JS scratch array does not
    if (jsScratch.length < total) { jsScratch = new Float64Array(total); reuse = false; }
    buf = jsScratch;
  }
  packedA = keep ? { key, M, K, wasm: !!w } : null;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc), ncPad = Math.ceil(nc / NR) * NR;
    if (!w || K === 0) buf.fill(0, cBase, cBase + mPad * ncPad);
    for (let pc = 0, kc = 0; pc < K; pc += kc) {
      kc = Math.min(kcB, K - pc, kSeg - (pc % kSeg));
      const aBlock = keep ? aBase + pc * mPad : aBase;
      if (!keep || (jc === 0 && !reuse)) packA(pc, kc, 0, M, MR, buf, aBlock);
      packB(pc, kc, jc, nc, NR, buf, bBase);
      // the wasm macro-kernel over the whole block, split across kernel threads (threads/pool.ts)
      if (w) { runGebp(w, mPad, MC, kc, aBlock * 4, bBase * 4, cBase * 4, ncPad, pc === 0 ? 0 : 1); continue; }
      for (let ic = 0; ic < mPad; ic += MC) {
        const mc = Math.min(MC, mPad - ic), ap = aBlock + ic * kc, cp = cBase + ic * ncPad, f = buf as Float64Array;
        for (let jr = 0; jr < ncPad; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) jsMicro(kc, f, ap + ir * kc, f, bBase + jr * kc, f, cp + ir * ncPad + jr, ncPad);
        }
      }
    }
    sink(buf, cBase, ncPad, jc, nc);
  }
}

/** Copies (or adds) a C block into a row-major matrix at cOff with row stride ldc. */
export const storeRows = (M: number, c: NumArray, cOff: number, ldc: number, accumulate = false): Sink => (buf, cb, ldcb, j0, nc) => {
  for (let i = 0; i < M; i++) {
    const src = cb + i * ldcb, dst = cOff + i * ldc + j0;
    if (accumulate) for (let j = 0; j < nc; j++) c[dst + j] += buf[src + j]!;
    else c.set(buf.subarray(src, src + nc), dst);
  }
};

/**
 * C (row-major, row stride ldc, from cOff) = [C +] A[M,K] x B[K,N].
 * `accumulate` adds into C instead of overwriting it.
 */
export function gemm(M: number, N: number, K: number, a: MatView, b: MatView, c: NumArray, cOff: number, ldc: number,
  accumulate = false, useWasm = c instanceof Float32Array): void {
  gemmCore({ M, N, K, packA: packRows(a), packB: packCols(b), sink: storeRows(M, c, cOff, ldc, accumulate), useWasm });
}
