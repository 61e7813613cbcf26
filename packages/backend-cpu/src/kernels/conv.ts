// conv2d and its two backward kernels as im2col + the blocked GEMM, per image and channel group.
import type { Kernel, KernelAttrs } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { gemm } from './gemm.js';
import type { ConvGeom } from './im2col.js';
import { col2im, im2col } from './im2col.js';
import { finish, num, pair } from './util.js';

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

/** A 1x1, stride-1, unpadded conv reads its input directly as the col matrix. */
const isPointwise = (g: Conv): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;

const scratch = (like: CpuArray, n: number): CpuArray => (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));

/** conv2d: [x [N,C,H,W], w [O,C/groups,kh,kw], bias [O]?] → [N,O,Ho,Wo]. */
export const conv2d: Kernel<CpuArray> = ([x, w, bias], [out], attrs) => {
  const g = geometry(attrs, x!.shape, w!.shape);
  const direct = isPointwise(g), col = direct ? x!.buffer : scratch(x!.buffer, g.ckk * g.hw), Y = out!.buffer;
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const xOff = x!.offset + (n * g.groups + gr) * g.Cg * g.H * g.W;
      if (!direct) im2col(x!.buffer, xOff, g, col);
      const yOff = out!.offset + (n * g.O + gr * g.Og) * g.hw;
      gemm(g.Og, g.hw, g.ckk, { data: w!.buffer, off: w!.offset + gr * g.Og * g.ckk, rs: g.ckk, cs: 1 },
        { data: col, off: direct ? xOff : 0, rs: g.hw, cs: 1 }, Y, yOff, g.hw);
    }
    if (bias) {
      for (let o = 0; o < g.O; o++) {
        const bv = bias.buffer[bias.offset + o]!, base = out!.offset + (n * g.O + o) * g.hw;
        for (let s = 0; s < g.hw; s++) Y[base + s] += bv;
      }
    }
  }
  finish(out!);
};

/** gradInput = col2im(W^T · gradOut) per image and group. */
export const conv2dBackwardInput: Kernel<CpuArray> = ([gy, w], [gx], attrs) => {
  const g = geometry(attrs, attrs.inputShape as number[], w!.shape);
  const col = scratch(gx!.buffer, g.ckk * g.hw), DX = gx!.buffer;
  DX.fill(0, gx!.offset, gx!.offset + g.N * g.groups * g.Cg * g.H * g.W);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const dxOff = gx!.offset + (n * g.groups + gr) * g.Cg * g.H * g.W;
      const gyView = { data: gy!.buffer, off: gy!.offset + (n * g.O + gr * g.Og) * g.hw, rs: g.hw, cs: 1 };
      const wT = { data: w!.buffer, off: w!.offset + gr * g.Og * g.ckk, rs: 1, cs: g.ckk };
      if (isPointwise(g)) { gemm(g.ckk, g.hw, g.Og, wT, gyView, DX, dxOff, g.hw); continue; }
      gemm(g.ckk, g.hw, g.Og, wT, gyView, col, 0, g.hw);
      col2im(col, g, DX, dxOff);
    }
  }
  finish(gx!);
};

/** gradWeight = sum over images of gradOut · col^T, accumulated inside the GEMM. */
export const conv2dBackwardWeight: Kernel<CpuArray> = ([gy, x], [gw], attrs) => {
  const g = geometry(attrs, x!.shape, attrs.weightShape as number[]);
  const direct = isPointwise(g), col = direct ? x!.buffer : scratch(x!.buffer, g.ckk * g.hw);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const xOff = x!.offset + (n * g.groups + gr) * g.Cg * g.H * g.W;
      if (!direct) im2col(x!.buffer, xOff, g, col);
      gemm(g.Og, g.ckk, g.hw, { data: gy!.buffer, off: gy!.offset + (n * g.O + gr * g.Og) * g.hw, rs: g.hw, cs: 1 },
        { data: col, off: direct ? xOff : 0, rs: 1, cs: g.hw }, gw!.buffer, gw!.offset + gr * g.Og * g.ckk, g.ckk, n > 0);
    }
  }
  finish(gw!);
};
