// conv2d and its input gradient for one image, entirely in the GEMM kernel's WebAssembly memory, so any
// kernel thread can run an image: stage the image, im2col K blocks into panels, run the macro-kernel (and for
// the gradient, col2im-add back). Self-contained functions (workers get them as source text).

import type { NativeKit } from './native-kit.js';

/** What a part needs of the kernel instance: its exports and a float view of the (shared) memory. */
export interface KernelExports {
  gebp(mc: number, nc: number, kc: number, ap: number, bp: number, cp: number, ldcBytes: number, load: number): void;
  padRows(src: number, dst: number, rows: number, bytes: number, srcStride: number, dstStride: number): void;
  gather1(...a: number[]): void;
  gather4(...a: number[]): void;
  scatter1(...a: number[]): void;
  scatter4(...a: number[]): void;
  gatherT4(...a: number[]): void;
  f32(): Float32Array;
  /** The native BLAS bound on this thread (threads/native-kit.ts), where the job's caller has one. */
  native?(): NativeKit | null;
}

/** Argument slots of a conv part (see convImagePart), after the job's base index. */
export const CONV_ARGS = {
  C: 0, H: 1, W: 2, kh: 3, kw: 4, Ho: 5, Wo: 6, sh: 7, sw: 8, ph: 9, pw: 10, dh: 11, dw: 12,
  mPad: 13, K: 14, kcB: 15, aBase: 16, reg0: 17, regSize: 18, MR: 19, NR: 20, MC: 21, NC: 22, mode: 23,
  compact: 24, bOff: 25, cOff: 26, gyOff: 27, bias: 28, M: 29, accumulate: 30, aOff: 31, chunk: 32,
} as const;

/**
 * One image in region `slot` (floats reg0 + slot*regSize): forward (mode 0) stages the image at
 * region+compact, im2cols it and leaves C = packed weights x col at region+cOff (row stride hwPad);
 * the input gradient (mode 1) treats gradOut at region+gyOff as B, col2im-adds W^T x gradOut into the zeroed stage and
 * leaves gradInput at region+compact. Packed A (all K blocks, as gemm.ts keeps them) is at aBase, and
 * the forward's bias (M floats) at `bias` (-1: none): C starts from it, so the copy out is a plain copy.
 * Weight gradient (mode 2): stages the image and adds gradOut (region+gyOff) x col^T into the
 * slot's C (M x ckk padded, row stride ckkPad; `accumulate` 0 starts it), packing A at region+aOff too.
 * Modes 0-2 run image slot `lo`; mode 3 is a column range of a forward (below).
 */
export function convImagePart(x: KernelExports, a: ArrayLike<number>, o: number, lo: number, hi: number): void {
  // mode 3: the forward of one image already staged in region 0, over column panels [lo, hi) only, with
  // the B block of part lo / chunk (so threads share one image when there are fewer images than threads)
  const split = a[o + 23]! === 3, slot = split ? 0 : lo, part = split ? Math.floor(lo / a[o + 32]!) : slot;
  const C = a[o]!, H = a[o + 1]!, W = a[o + 2]!, kh = a[o + 3]!, kw = a[o + 4]!, Ho = a[o + 5]!, Wo = a[o + 6]!;
  const sh = a[o + 7]!, sw = a[o + 8]!, ph = a[o + 9]!, pw = a[o + 10]!, dh = a[o + 11]!, dw = a[o + 12]!;
  const mPad = a[o + 13]!, K = a[o + 14]!, kcB = a[o + 15]!, aBase = a[o + 16]!, MR = a[o + 19]!, NR = a[o + 20]!, MC = a[o + 21]!, NC = a[o + 22]!;
  const backward = a[o + 23]! === 1, reg = a[o + 17]! + slot * a[o + 18]!;
  const stage = reg, compact = reg + a[o + 24]!, bB = a[o + 17]! + part * a[o + 18]! + a[o + 25]!, cB = reg + a[o + 26]!, gy = reg + a[o + 27]!;
  const hp = H + 2 * ph, wp = W + 2 * pw, hw = Ho * Wo, hwPad = Math.ceil(hw / NR) * NR, bias = a[o + 28]!;
  // a window walk (wasm-im2col.ts's windowBody) over the col rows of an image at `base` with this geometry
  const walk = (base: number, rowsP: number, colsP: number, kH: number, kW: number, sH: number, sW: number, dH: number, dW: number,
    row: number, q0: number, n: number, dst: number, li: number, le: number, step: number, scatter: boolean): void => {
    const j = row % kW, i = Math.floor(row / kW) % kH, c = Math.floor(row / (kW * kH));
    const oh = Math.floor(q0 / Wo), ow = q0 - oh * Wo;
    const rowAt = 4 * (base + (c * rowsP + oh * sH + i * dH) * colsP + j * dW);
    const quad = sW === 1 && li === 4 && Wo % 4 === 0 && q0 % 4 === 0 && n % 4 === 0;
    const fn = scatter ? (quad ? x.scatter4 : x.scatter1) : quad ? x.gather4 : x.gather1;
    fn(rowAt, rowAt + 4 * ow * sW, dst, n, Wo, Wo - ow, 4 * sH * colsP, quad ? 16 : 4 * sW, quad ? 16 : li, le, step);
  };
  let f32 = x.f32();
  if (!split) f32.fill(0, stage, stage + C * hp * wp);
  if (a[o + 23]! === 2) {
    // weight gradient: C[o, j] (+)= sum over positions q of gradOut[o, q] * col[j, q], K blocks along q
    const ckk = C * kh * kw, ckkPad = Math.ceil(ckk / NR) * NR, M = a[o + 29]!, acc = a[o + 30]!;
    for (let c = 0; c < C; c++) x.padRows(4 * (compact + c * H * W), 4 * (stage + (c * hp + ph) * wp + pw), H, 4 * W, 4 * W, 4 * wp);
    const aB = reg + a[o + 31]!;
    for (let pc = 0, kc = 0; pc < hw; pc += kc) {
      kc = Math.min(kcB, hw - pc);
      f32 = x.f32();
      for (let r = 0; r < mPad; r++) {
        const d = aB + Math.floor(r / MR) * kc * MR + (r % MR);
        if (r < M) walk(gy, Ho, Wo, 1, 1, 1, 1, 1, 1, r, pc, kc, 4 * d, 4 * MR, -1, 0, false);
        else for (let k = 0; k < kc; k++) f32[d + k * MR] = 0;
      }
      // four col rows at a time into four panel lanes (a 4x4 transpose per four positions) where every four
      // positions lie in one output row; the rows left over one element at a time
      const quads = sw === 1 && Wo % 4 === 0 && pc % 4 === 0 && kc % 4 === 0 && NR % 4 === 0 ? Math.floor(ckk / 4) * 4 : 0;
      const oh = Math.floor(pc / Wo), ow = pc - oh * Wo, at = 4 * (stage + oh * sh * wp + ow), skip = 4 * (sh * wp - Wo);
      const s = [0, 0, 0, 0];
      for (let j = 0, c = 0, i = 0, jj = 0, d = bB; j < quads; j += 4) {
        // the four rows' first elements: row (c, i, jj) starts at (c*hp + i*dh)*wp + jj*dw of the stage
        for (let q = 0; q < 4; q++) {
          s[q] = at + 4 * ((c * hp + i * dh) * wp + jj * dw);
          if (++jj === kw) { jj = 0; if (++i === kh) { i = 0; c++; } }
        }
        x.gatherT4(s[0]!, s[1]!, s[2]!, s[3]!, 4 * d, kc, Wo, Wo - ow, skip, 4 * NR);
        d += (j + 4) % NR === 0 ? kc * NR - (NR - 4) : 4;
      }
      for (let j = quads; j < ckkPad; j++) {
        const d = bB + Math.floor(j / NR) * kc * NR + (j % NR);
        if (j < ckk) walk(stage, hp, wp, kh, kw, sh, sw, dh, dw, j, pc, kc, 4 * d, 4 * NR, -1, 0, false);
        else for (let k = 0; k < kc; k++) f32[d + k * NR] = 0;
      }
      for (let ic = 0; ic < mPad; ic += MC) {
        x.gebp(Math.min(MC, mPad - ic), ckkPad, kc, 4 * (aB + ic * kc), 4 * bB, 4 * (cB + ic * ckkPad), 4 * ckkPad, acc === 0 && pc === 0 ? 0 : 1);
      }
    }
    return;
  }
  const q0 = split ? lo * NR : 0, q1 = split ? Math.min(hw, hi * NR) : hw, qPad = split ? Math.min(hwPad, hi * NR) : hwPad;
  if (bias >= 0) for (let r = 0; r < mPad; r++) f32.fill(r < a[o + 29]! ? f32[bias + r]! : 0, cB + r * hwPad + q0, cB + r * hwPad + qPad);
  if (!backward && !split) for (let c = 0; c < C; c++) x.padRows(4 * (compact + c * H * W), 4 * (stage + (c * hp + ph) * wp + pw), H, 4 * W, 4 * W, 4 * wp);
  for (let jc = q0; jc < q1; jc += NC) {
    const nc = Math.min(NC, q1 - jc), ncPad = Math.ceil(nc / NR) * NR, tail = nc % NR;
    // forward: C block in place in the whole-image output; backward: one block, scattered after its K loop
    const cAt = backward ? cB : cB + jc, ldc = backward ? ncPad : hwPad;
    for (let pc = 0, kc = 0; pc < K; pc += kc) {
      kc = Math.min(kcB, K - pc);
      const last = bB + Math.floor(nc / NR) * kc * NR;
      f32 = x.f32();
      for (let k = 0; k < kc; k++) {
        if (backward) walk(gy, Ho, Wo, 1, 1, 1, 1, 1, 1, pc + k, jc, nc, 4 * (bB + k * NR), 4, 4 * NR, 4 * kc * NR, false);
        else walk(stage, hp, wp, kh, kw, sh, sw, dh, dw, pc + k, jc, nc, 4 * (bB + k * NR), 4, 4 * NR, 4 * kc * NR, false);
        if (tail) f32.fill(0, last + k * NR + tail, last + (k + 1) * NR);
      }
      for (let ic = 0; ic < mPad; ic += MC) {
        x.gebp(Math.min(MC, mPad - ic), ncPad, kc, 4 * (aBase + pc * mPad + ic * kc), 4 * bB, 4 * (cAt + ic * ldc), 4 * ldc, pc === 0 && bias < 0 ? 0 : 1);
      }
    }
    if (backward) for (let r = 0; r < C * kh * kw; r++) walk(stage, hp, wp, kh, kw, sh, sw, dh, dw, r, jc, nc, 4 * (cB + r * ncPad), 4, -1, 0, true);
  }
  if (backward) for (let c = 0; c < C; c++) x.padRows(4 * (stage + (c * hp + ph) * wp + pw), 4 * (compact + c * H * W), H, 4 * W, 4 * wp, 4 * W);
}
