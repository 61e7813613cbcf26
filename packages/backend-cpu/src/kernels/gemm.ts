// Cache-blocked GEMM over packed panels (the GotoBLAS/BLIS loop nest). Operands may be arbitrarily
// strided, since packing reads them once per block; the micro-kernel then streams contiguous panels.
// float32 runs a WebAssembly SIMD micro-kernel; other dtypes (and engines without SIMD) a JS 4x4 one.
import type { CpuArray } from '../storage.js';
import { WASM_MR, WASM_NR, ensureWasmFloats, wasmGemm } from './wasm-gemm.js';

/** An operand matrix: element (i, j) at data[off + i*rs + j*cs]. */
export interface MatView { data: CpuArray; off: number; rs: number; cs: number }

const KC = 256, MC0 = 128, NC0 = 512;

/**
 * Copy a kc x cols block of a matrix into w-wide panels: dst[panel][k][q] = src(k, panel*w + q),
 * zero-padded to whole panels. The loop order follows the smaller stride so reads stay sequential
 * (walking a row-major matrix down its columns touched a new page per element).
 */
function packPanels(data: CpuArray, base: number, kStride: number, qStride: number, kc: number, cols: number, w: number,
  dst: Float32Array | Float64Array, d: number): void {
  const panels = Math.ceil(cols / w), pad = panels * w;
  if (Math.abs(qStride) <= Math.abs(kStride)) {
    const full = Math.floor(cols / w), panelSize = w * kc;
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
    const o = d + Math.floor(q / w) * w * kc + (q % w);
    if (q < cols) for (let k = 0, s = base + q * qStride; k < kc; k++, s += kStride) dst[o + k * w] = data[s]!;
    else for (let k = 0; k < kc; k++) dst[o + k * w] = 0;
  }
}

/** Pack rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row panels: dst[panel][k][r]. */
const packA = (a: MatView, i0: number, mc: number, p0: number, kc: number, mr: number, dst: Float32Array | Float64Array, d: number): void =>
  packPanels(a.data, a.off + i0 * a.rs + p0 * a.cs, a.cs, a.rs, kc, mc, mr, dst, d);

/** Pack rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column panels: dst[panel][k][c]. */
const packB = (b: MatView, p0: number, kc: number, j0: number, nc: number, nr: number, dst: Float32Array | Float64Array, d: number): void =>
  packPanels(b.data, b.off + p0 * b.rs + j0 * b.cs, b.rs, b.cs, kc, nc, nr, dst, d);

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

/**
 * C (row-major, row stride ldc, from cOff) = [C +] A[M,K] x B[K,N].
 * `accumulate` adds into C (used to sum conv weight gradients over the batch).
 */
export function gemm(M: number, N: number, K: number, a: MatView, b: MatView, c: CpuArray, cOff: number, ldc: number,
  accumulate = false, useWasm = c instanceof Float32Array): void {
  if (M === 0 || N === 0) return;
  const w = useWasm ? wasmGemm() : null;
  const MR = w ? WASM_MR : 4, NR = w ? WASM_NR : 4;
  // block sizes are whole numbers of micro-tiles so padded panels never spill into the next block
  const MC = Math.floor(MC0 / MR) * MR, NC = Math.floor(NC0 / NR) * NR;
  const ncMax = Math.min(NC, Math.ceil(N / NR) * NR), kcMax = Math.min(KC, K), mPad = Math.ceil(M / MR) * MR;
  const mcMax = Math.min(MC, mPad);
  // scratch layout: [Ap mcMax*kcMax][Bp kcMax*ncMax][Cb mPad*ncMax]
  const aBase = 0, bBase = mcMax * kcMax, cBase = bBase + kcMax * ncMax, total = cBase + mPad * ncMax;
  let buf: Float32Array | Float64Array;
  if (w) { ensureWasmFloats(w, total); buf = w.f32; } else {
    if (jsScratch.length < total) jsScratch = new Float64Array(total);
    buf = jsScratch;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc), ncPad = Math.ceil(nc / NR) * NR;
    // Cb holds the whole M x nc column block so it can accumulate over every K block
    for (let i = 0; i < M; i++) {
      const cb = cBase + i * ncPad, co = cOff + i * ldc + jc;
      if (accumulate) for (let j = 0; j < nc; j++) buf[cb + j] = c[co + j]!;
      else buf.fill(0, cb, cb + nc);
    }
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packB(b, pc, kc, jc, nc, NR, buf, bBase);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(a, ic, mc, pc, kc, MR, buf, aBase);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = bBase + jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const ap = aBase + ir * kc, cp = cBase + (ic + ir) * ncPad + jr;
            // |0 keeps the arguments small integers: a double argument sends V8 down a slow wasm-call path
            if (w) w.mk(kc | 0, (ap * 4) | 0, (bp * 4) | 0, (cp * 4) | 0, (ncPad * 4) | 0);
            else jsMicro(kc, buf as Float64Array, ap, buf as Float64Array, bp, buf as Float64Array, cp, ncPad);
          }
        }
      }
    }
    for (let i = 0; i < M; i++) {
      const cb = cBase + i * ncPad, co = cOff + i * ldc + jc;
      for (let j = 0; j < nc; j++) c[co + j] = buf[cb + j]!;
    }
  }
}
