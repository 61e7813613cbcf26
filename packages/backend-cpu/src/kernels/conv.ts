// conv2d and its two backward kernels as GEMMs whose packers run im2col (see im2col.ts), per channel group.
import type { Kernel, KernelAttrs } from '@flint/core';
import type { NumArray } from '../storage.js';
import { blasConv2d, blasConv2dBackwardInput, blasConv2dBackwardWeight } from './conv-blas.js';
import { convImages, convWeightImages } from './conv-images.js';
import { gemmCore, packCols, packRows, storeRows } from './gemm.js';
import type { ConvGeom } from './im2col.js';
import { col2imBlock, packBatchRows, packIm2col, packIm2colT } from './im2col.js';
import { finish, num, pair } from './util.js';
import type { WasmGemm } from './wasm-gemm.js';
import { wasmGemm } from './wasm-gemm.js';

interface Conv extends ConvGeom { N: number; O: number; groups: number; Cg: number; Og: number; ckk: number; hw: number }

function geometry(attrs: KernelAttrs, xShape: readonly number[], wShape: readonly number[]): Conv {
  const [N, Ct, H, W] = xShape as [number, number, number, number];
  const [O, C, kh, kw] = wShape as [number, number, number, number];
  const [sh, sw] = pair(attrs, 'stride', 1), [ph, pw] = pair(attrs, 'padding', 0), [dh, dw] = pair(attrs, 'dilation', 1);
  const groups = num(attrs, 'groups', 1);
  const Ho = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return { N, O, groups, Cg: Ct / groups, Og: O / groups, C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw, ckk: C * kh * kw, hw: Ho * Wo };
}

/** Offset of image n, group gr in an [N, groups*perGroup, ...] tensor whose channels hold `size` elements each. */
const at = (base: number, g: Conv, n: number, gr: number, perGroup: number, size: number): number =>
  base + (n * g.groups + gr) * perGroup * size;

/** The SIMD kernel when both arrays are float32 (the staged-image paths read and write float32 only). */
const simdFor = (a: NumArray, b: NumArray): WasmGemm | null =>
  a instanceof Float32Array && b instanceof Float32Array ? wasmGemm() : null;

/** conv2d: [x [N,C,H,W], w [O,C/groups,kh,kw], bias [O]?] → [N,O,Ho,Wo]. */
export const conv2d: Kernel<NumArray> = ([x, w, bias], [out], attrs) => {
  const g = geometry(attrs, x!.shape, w!.shape), X = x!.buffer, Y = out!.buffer, simd = simdFor(X, Y);
  if (blasConv2d(g, x!, w!, bias, out!)) { finish(out!); return; }
  for (let gr = 0; gr < g.groups; gr++) {
    // groups outermost, and one key per group, so each group's packed weights serve every image
    const aKey = {}, packA = packRows({ data: w!.buffer, off: w!.offset + gr * g.Og * g.ckk, rs: g.ckk, cs: 1 });
    const yOff = (n: number): number => at(out!.offset, g, n, gr, g.Og, g.hw);
    const bv = (o: number): number => (bias ? bias.buffer[bias.offset + gr * g.Og + o]! : 0);
    if (simd) {
      convImages(simd, {
        g: { ...g, C: g.Cg }, M: g.Og, K: g.ckk, packA, images: g.N, backward: false,
        bias: bias ? Array.from({ length: g.Og }, (_, o) => bv(o)) : undefined,
        load: (n, f32, to) => f32.set((X as Float32Array).subarray(at(x!.offset, g, n, gr, g.Cg, g.H * g.W)).subarray(0, g.Cg * g.H * g.W), to),
        // the bias is already in: C started from it
        store: (n, f32, from, ld) => { for (let o = 0; o < g.Og; o++) Y.set(f32.subarray(from + o * ld, from + o * ld + g.hw), yOff(n) + o * g.hw); },
      });
      continue;
    }
    for (let n = 0; n < g.N; n++) {
      const xOff = at(x!.offset, g, n, gr, g.Cg, g.H * g.W), dst0 = yOff(n);
      gemmCore({
        M: g.Og, N: g.hw, K: g.ckk, aKey, packA, packB: packIm2col(X, xOff, g), useWasm: false,
        sink: (buf, cb, ldcb, j0, nc) => {
          for (let o = 0; o < g.Og; o++) {
            const src = cb + o * ldcb, dst = dst0 + o * g.hw + j0, b = bv(o);
            for (let s = 0; s < nc; s++) Y[dst + s] = buf[src + s]! + b;
          }
        },
      });
    }
  }
  finish(out!);
};

/** gradInput = col2im(W^T · gradOut) per image and group, col2im reading GEMM's output block in place. */
export const conv2dBackwardInput: Kernel<NumArray> = ([gy, w], [gx], attrs) => {
  const g = geometry(attrs, attrs.inputShape as number[], w!.shape), DX = gx!.buffer, GY = gy!.buffer, simd = simdFor(GY, DX);
  if (blasConv2dBackwardInput(g, gy!, w!, gx!)) { finish(gx!); return; }
  if (!simd) DX.fill(0, gx!.offset, gx!.offset + g.N * g.groups * g.Cg * g.H * g.W);
  for (let gr = 0; gr < g.groups; gr++) {
    const aKey = {}, packA = packRows({ data: w!.buffer, off: w!.offset + gr * g.Og * g.ckk, rs: 1, cs: g.ckk });
    const dxOff = (n: number): number => at(gx!.offset, g, n, gr, g.Cg, g.H * g.W), gyOff = (n: number): number => at(gy!.offset, g, n, gr, g.Og, g.hw);
    if (simd) {
      // each image's gradOut is B and col2im adds the GEMM blocks into a staged gradInput, all in wasm
      convImages(simd, {
        g: { ...g, C: g.Cg }, M: g.ckk, K: g.Og, packA, images: g.N, backward: true,
        load: (n, f32, to) => f32.set((GY as Float32Array).subarray(gyOff(n), gyOff(n) + g.Og * g.hw), to),
        store: (n, f32, from) => DX.set(f32.subarray(from, from + g.Cg * g.H * g.W), dxOff(n)),
      });
      continue;
    }
    for (let n = 0; n < g.N; n++) {
      const o = dxOff(n);
      gemmCore({
        M: g.ckk, N: g.hw, K: g.Og, aKey, packA, useWasm: false, packB: packCols({ data: GY, off: gyOff(n), rs: g.hw, cs: 1 }),
        sink: (buf, cb, ldcb, j0, nc) => col2imBlock(buf, cb, ldcb, j0, nc, g, DX, o),
      });
    }
  }
  finish(gx!);
};

/**
 * gradWeight = gradOut · col^T summed over the batch: in float32 each kernel thread accumulates its images'
 * products (threads/conv-parts.ts); elsewhere the batch is stacked along K, so the sum happens in registers.
 */
export const conv2dBackwardWeight: Kernel<NumArray> = ([gy, x], [gw], attrs) => {
  const g = geometry(attrs, x!.shape, attrs.weightShape as number[]), GW = gw!.buffer, X = x!.buffer, GY = gy!.buffer;
  const simd = simdFor(X, GW) && simdFor(GY, GW);
  if (blasConv2dBackwardWeight(g, gy!, x!, gw!)) { finish(gw!); return; }
  for (let gr = 0; gr < g.groups; gr++) {
    const xOff = (n: number): number => at(x!.offset, g, n, gr, g.Cg, g.H * g.W);
    const gyOff = (n: number): number => at(gy!.offset, g, n, gr, g.Og, g.hw);
    const wOff = gw!.offset + gr * g.Og * g.ckk;
    if (simd) {
      convWeightImages(simd, {
        g: { ...g, C: g.Cg }, M: g.Og, images: g.N,
        loadX: (n, f32, to) => f32.set((X as Float32Array).subarray(xOff(n), xOff(n) + g.Cg * g.H * g.W), to),
        loadGy: (n, f32, to) => f32.set((GY as Float32Array).subarray(gyOff(n), gyOff(n) + g.Og * g.hw), to),
        store: (f32, from, ld) => { for (let o = 0; o < g.Og; o++) GW.set(f32.subarray(from + o * ld, from + o * ld + g.ckk), wOff + o * g.ckk); },
      });
      continue;
    }
    gemmCore({
      M: g.Og, N: g.ckk, K: g.N * g.hw, useWasm: false,
      packA: packBatchRows(GY, gyOff, g.hw), packB: packIm2colT(X, xOff, g, g.hw), sink: storeRows(g.Og, GW, wOff, g.ckk),
    });
  }
  finish(gw!);
};
