// max/avg pooling and their backward kernels over [N, C, H, W]; output sizes come from the
// outputs core allocated (core applies ceilMode), window rules follow PyTorch's CPU kernels.
import type { Kernel, KernelAttrs } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { indexSink } from './int64.js';
import { finish, pair } from './util.js';
import { ensurePoolFloats, wasmPool } from './wasm-pool.js';

const SEL = new Float64Array(2), SEL2 = new Float64Array(2);

interface Pool { planes: number; H: number; W: number; Ho: number; Wo: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }

function geometry(attrs: KernelAttrs, inShape: readonly number[], outShape: readonly number[]): Pool {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [kh, kw] = pair(attrs, 'kernelSize');
  const stride = attrs.stride === undefined || (Array.isArray(attrs.stride) && attrs.stride.length === 0) ? [kh, kw] : pair(attrs, 'stride');
  const [ph, pw] = pair(attrs, 'padding', 0), [dh, dw] = pair(attrs, 'dilation', 1);
  return { planes: N * C, H, W, Ho: outShape[2]!, Wo: outShape[3]!, kh, kw, sh: stride[0]!, sw: stride[1]!, ph, pw, dh, dw };
}

/**
 * maxPool2d → [values, indices (flat h*W+w within the input plane)]; NaN wins, as in PyTorch. The indices
 * are int32 or int64 as core asks (int32 when only autograd keeps them); int64 takes the low words.
 */
export const maxPool2d: Kernel<CpuArray> = ([x], [out, idx], attrs) => {
  const { planes, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw } = geometry(attrs, x!.shape, out!.shape);
  const X = x!.buffer as NumArray, Y = out!.buffer as NumArray, { I, step } = indexSink(idx!);
  if (step === 2) I.fill(0, 2 * idx!.offset, 2 * (idx!.offset + planes * Ho * Wo));
  // window bounds per output row and column, computed once (they repeat in every plane)
  const hS = new Int32Array(Ho), hE = new Int32Array(Ho), wS = new Int32Array(Wo), wE = new Int32Array(Wo);
  for (let oh = 0; oh < Ho; oh++) {
    let hs = oh * sh - ph;
    hE[oh] = Math.min(hs + (kh - 1) * dh + 1, H);
    while (hs < 0) hs += dh;
    hS[oh] = hs;
  }
  for (let ow = 0; ow < Wo; ow++) {
    let ws = ow * sw - pw;
    wE[ow] = Math.min(ws + (kw - 1) * dw + 1, W);
    while (ws < 0) ws += dw;
    wS[ow] = ws;
  }
  const yo = out!.offset, io = idx!.offset;
  // the windows wholly inside the plane, rows [r0, r1) x columns [c0, c0 + 4*groups), run four at a time in
  // SIMD (wasm-pool.ts) over the plane staged in wasm memory; the clipped ones around them run below
  const wp = X instanceof Float32Array && (sw === 1 || sw === 2) ? wasmPool() : null;
  const c0 = Math.ceil(pw / sw), c1 = Math.min(Wo, Math.floor((W - 1 - (kw - 1) * dw + pw) / sw) + 1);
  const r0 = Math.ceil(ph / sh), r1 = Math.min(Ho, Math.floor((H - 1 - (kh - 1) * dh + ph) / sh) + 1);
  const groups = wp && c1 > c0 && r1 > r0 ? Math.floor((c1 - c0) / 4) : 0, s1 = c0 + 4 * groups;
  // wasm memory: the plane (and a row of slack: a stride-2 load reads past its last window), values, indices
  const plane = H * W, dst = Math.ceil((plane + 8) / 4) * 4, dstIdx = dst + Ho * Wo;
  if (wp && groups > 0) ensurePoolFloats(wp, dstIdx + Ho * Wo);
  for (let p = 0, o = 0; p < planes; p++) {
    const xBase = x!.offset + p * plane;
    if (wp && groups > 0) {
      const f32 = wp.f32, first = (r0 * sh - ph) * W + c0 * sw - pw, at = r0 * Wo + c0;
      f32.set((X as Float32Array).subarray(xBase, xBase + plane), 0);
      wp.run[sw - 1]!(4 * first, 4 * (dst + at), 4 * (dstIdx + at), groups, kh, kw, 4 * dh * W, 4 * dw, dh * W, dw, first, r1 - r0, 4 * sh * W, 4 * Wo, sh * W);
      // the whole output plane goes out; the JS loop then overwrites what lies outside the SIMD block
      Y.set(f32.subarray(dst, dst + Ho * Wo), yo + o);
      if (step === 1) I.set(wp.i32.subarray(dstIdx, dstIdx + Ho * Wo), io + o);
      else for (let t = 0, i32 = wp.i32; t < Ho * Wo; t++) I[2 * (io + o + t)] = i32[dstIdx + t]!;
    }
    o = windowsJs(X, Y, I, step, xBase, yo, io, o, W, Ho, Wo, dh, dw, hS, hE, wS, wE, groups > 0 ? r0 : 0, groups > 0 ? r1 : 0, c0, s1);
  }
  finish(out!);
};

/**
 * The windows of one plane that the SIMD loop leaves (all of them without it): each output (oh, ow) outside
 * rows [r0, r1) x columns [c0, s1) of the plane at xBase, from output element o on; returns o past the plane.
 * A function of its own: called once per plane, V8 optimizes it after the first few, where as part of the
 * kernel (called once per step in a model) the loop ran unoptimized for most of each call (4-9x slower).
 */
function windowsJs(X: NumArray, Y: NumArray, I: Int32Array, step: number, xBase: number, yo: number, io: number, o: number, W: number, Ho: number, Wo: number,
  dh: number, dw: number, hS: Int32Array, hE: Int32Array, wS: Int32Array, wE: Int32Array, r0: number, r1: number, c0: number, s1: number): number {
  for (let oh = 0; oh < Ho; oh++) {
    const hs = hS[oh]!, he = hE[oh]!, s0 = oh >= r0 && oh < r1 ? c0 : -1;
    for (let ow = 0; ow < Wo; ow++, o++) {
      if (ow === s0) { o += s1 - s0 - 1; ow = s1 - 1; continue; }
      const ws = wS[ow]!, we = wE[ow]!;
      if (ow + 1 < Wo && ow + 1 !== s0 && wE[ow + 1]! - wS[ow + 1]! === we - ws) {
        // two windows of the same width side by side, as two independent chains (the running max is a
        // chain of dependent steps; two of them run in about the time of one), each as below
        const dl = wS[ow + 1]! - ws;
        let b0 = -Infinity, i0 = hs * W + ws, b1 = -Infinity, i1 = i0 + dl;
        for (let h = hs; h < he; h += dh) {
          for (let w = ws, r = h * W; w < we; w += dw) {
            const k = r + w, v0 = X[xBase + k]!, v1 = X[xBase + k + dl]!;
            const t0 = +(v0 > b0) | (+(v0 !== v0) & +(b0 === b0)), t1 = +(v1 > b1) | (+(v1 !== v1) & +(b1 === b1));
            SEL[0] = b0; SEL[1] = v0; b0 = SEL[t0]!;
            SEL2[0] = b1; SEL2[1] = v1; b1 = SEL2[t1]!;
            i0 ^= (i0 ^ k) & -t0; i1 ^= (i1 ^ (k + dl)) & -t1;
          }
        }
        Y[yo + o] = b0; I[(io + o) * step] = i0;
        ow++; o++;
        Y[yo + o] = b1; I[(io + o) * step] = i1;
        continue;
      }
      // branch-free running max: take v when it is larger, or the first NaN (later ones never win);
      // the pick goes through SEL, as a data-dependent `? :` mispredicts about half the time
      let best = -Infinity, bi = hs * W + ws;
      for (let h = hs; h < he; h += dh) {
        for (let w = ws, r = h * W; w < we; w += dw) {
          const v = X[xBase + r + w]!, take = +(v > best) | (+(v !== v) & +(best === best));
          SEL[0] = best; SEL[1] = v; best = SEL[take]!;
          bi ^= (bi ^ (r + w)) & -take;
        }
      }
      Y[yo + o] = best;
      I[(io + o) * step] = bi;
    }
  }
  return o;
}

/** gradInput[plane][indices] += gradOut; int32 or int64 indices (valid ones: an int64's low word is the value). */
export const maxPool2dBackward: Kernel<CpuArray> = ([gy, idx], [gx], attrs) => {
  const [N, C, H, W] = attrs.inputShape as [number, number, number, number];
  const hw = gy!.shape[2]! * gy!.shape[3]!, D = gx!.buffer as NumArray, G = gy!.buffer as NumArray, { I, step } = indexSink(idx!);
  const planes = N * C, go = gy!.offset, io = idx!.offset;
  D.fill(0, gx!.offset, gx!.offset + planes * H * W);
  for (let p = 0; p < planes; p++) {
    const base = gx!.offset + p * H * W, k = p * hw;
    if (step === 1) for (let s = 0; s < hw; s++) D[base + I[io + k + s]!] += G[go + k + s]!;
    else for (let s = 0; s < hw; s++) D[base + I[2 * (io + k + s)]!] += G[go + k + s]!;
  }
  finish(gx!);
};

/** Window bounds and divisor of output (oh, ow), exactly as PyTorch's avg_pool2d computes them. */
function avgWindow(g: Pool, attrs: KernelAttrs, oh: number, ow: number): [number, number, number, number, number] {
  let hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  let he = Math.min(hs + g.kh, g.H + g.ph), we = Math.min(ws + g.kw, g.W + g.pw);
  const poolSize = (he - hs) * (we - ws);
  hs = Math.max(hs, 0); ws = Math.max(ws, 0); he = Math.min(he, g.H); we = Math.min(we, g.W);
  const override = attrs.divisorOverride;
  const div = typeof override === 'number' && override !== 0 ? override
    : attrs.countIncludePad === false ? (he - hs) * (we - ws) : poolSize;
  return [hs, he, ws, we, div];
}

/** avgWindow for every output position of a plane, computed once: [hs, he, ws, we, div] * Ho * Wo. */
function avgWindows(g: Pool, attrs: KernelAttrs): Float64Array {
  const t = new Float64Array(5 * g.Ho * g.Wo);
  for (let oh = 0, k = 0; oh < g.Ho; oh++) for (let ow = 0; ow < g.Wo; ow++, k += 5) t.set(avgWindow(g, attrs, oh, ow), k);
  return t;
}

/**
 * The divisor of every window when all are whole 2x2 windows at stride 2 without padding (DenseNet's
 * transitions): then each output is ((a + b) + c) + d over its window in row-major order, the sum the general
 * loop forms, without the per-output window table. 0 where that does not hold.
 */
function wholePairs(g: Pool, attrs: KernelAttrs): number {
  const whole = g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0 && 2 * g.Ho <= g.H && 2 * g.Wo <= g.W;
  if (!whole) return 0;
  const override = attrs.divisorOverride;
  return typeof override === 'number' && override !== 0 ? override : 4;
}

/**
 * One plane of 2x2 windows at stride 2 (avgPool2d's common case): output o.. of the plane at xBase. Its own
 * function, called per plane, so V8 optimizes it within a call (see windowsJs).
 */
function avgPairsPlane(X: NumArray, Y: NumArray, xBase: number, o: number, W: number, Ho: number, Wo: number, div: number): void {
  for (let oh = 0; oh < Ho; oh++) {
    const r0 = xBase + 2 * oh * W, r1 = r0 + W;
    for (let ow = 0; ow < Wo; ow++, o++) Y[o] = (X[r0 + 2 * ow]! + X[r0 + 2 * ow + 1]! + X[r1 + 2 * ow]! + X[r1 + 2 * ow + 1]!) / div;
  }
}

export const avgPool2d: Kernel<CpuArray> = ([x], [out], attrs) => {
  const g = geometry(attrs, x!.shape, out!.shape), W = g.W, hw = g.Ho * g.Wo;
  const X = x!.buffer as NumArray, Y = out!.buffer as NumArray, div = wholePairs(g, attrs);
  let o = out!.offset;
  if (div) {
    for (let p = 0; p < g.planes; p++, o += hw) avgPairsPlane(X, Y, x!.offset + p * g.H * W, o, W, g.Ho, g.Wo, div);
    finish(out!);
    return;
  }
  const win = avgWindows(g, attrs);
  for (let p = 0; p < g.planes; p++) {
    const xBase = x!.offset + p * g.H * W;
    for (let q = 0, k = 0; q < hw; q++, o++, k += 5) {
      const hs = win[k]!, he = win[k + 1]!, ws = win[k + 2]!, we = win[k + 3]!;
      let s = 0;
      for (let h = hs; h < he; h++) for (let w = ws, r = xBase + h * W; w < we; w++) s += X[r + w]!;
      Y[o] = hs >= he || ws >= we ? 0 : s / win[k + 4]!;
    }
  }
  finish(out!);
};

/** avgPairsPlane's gradient: each input element of the plane at base takes its window's share of gy[o..]. */
function avgPairsPlaneBackward(G: NumArray, D: NumArray, base: number, o: number, W: number, Ho: number, Wo: number, div: number): void {
  for (let oh = 0; oh < Ho; oh++) {
    const r0 = base + 2 * oh * W, r1 = r0 + W;
    for (let ow = 0; ow < Wo; ow++, o++) {
      const v = G[o]! / div;
      D[r0 + 2 * ow] = v; D[r0 + 2 * ow + 1] = v; D[r1 + 2 * ow] = v; D[r1 + 2 * ow + 1] = v;
    }
  }
}

export const avgPool2dBackward: Kernel<CpuArray> = ([gy], [gx], attrs) => {
  const g = geometry(attrs, attrs.inputShape as number[], gy!.shape), W = g.W, hw = g.Ho * g.Wo;
  const D = gx!.buffer as NumArray, G = gy!.buffer as NumArray, div = wholePairs(g, attrs);
  D.fill(0, gx!.offset, gx!.offset + g.planes * g.H * W);
  let o = gy!.offset;
  if (div) {
    // the windows do not overlap: each input element takes its window's share once
    for (let p = 0; p < g.planes; p++, o += hw) avgPairsPlaneBackward(G, D, gx!.offset + p * g.H * W, o, W, g.Ho, g.Wo, div);
    finish(gx!);
    return;
  }
  const win = avgWindows(g, attrs);
  for (let p = 0; p < g.planes; p++) {
    const base = gx!.offset + p * g.H * W;
    for (let q = 0, k = 0; q < hw; q++, o++, k += 5) {
      const hs = win[k]!, he = win[k + 1]!, ws = win[k + 2]!, we = win[k + 3]!, v = G[o]! / win[k + 4]!;
      for (let h = hs; h < he; h++) for (let w = ws, r = base + h * W; w < we; w++) D[r + w] += v;
    }
  }
  finish(gx!);
};
