import { describe, it } from 'vitest';
import { expectClose, randn, run, t } from '../testing.js';

interface Cfg { N: number; C: number; H: number; W: number; O: number; kh: number; kw: number; s: [number, number]; p: [number, number]; d: [number, number]; g: number }

/** Direct-loop conv2d and its gradients: the definition, with no im2col. */
function reference(c: Cfg, x: number[], w: number[], gy?: number[]) {
  const Ho = Math.floor((c.H + 2 * c.p[0] - c.d[0] * (c.kh - 1) - 1) / c.s[0]) + 1;
  const Wo = Math.floor((c.W + 2 * c.p[1] - c.d[1] * (c.kw - 1) - 1) / c.s[1]) + 1;
  const Cg = c.C / c.g, Og = c.O / c.g;
  const y = new Array<number>(c.N * c.O * Ho * Wo).fill(0), gx = new Array<number>(x.length).fill(0), gw = new Array<number>(w.length).fill(0);
  for (let n = 0; n < c.N; n++) for (let o = 0; o < c.O; o++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++) {
    const yi = ((n * c.O + o) * Ho + oh) * Wo + ow, grp = Math.floor(o / Og);
    for (let ci = 0; ci < Cg; ci++) for (let i = 0; i < c.kh; i++) for (let j = 0; j < c.kw; j++) {
      const ih = oh * c.s[0] - c.p[0] + i * c.d[0], iw = ow * c.s[1] - c.p[1] + j * c.d[1];
      if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
      const xi = ((n * c.C + grp * Cg + ci) * c.H + ih) * c.W + iw, wi = ((o * Cg + ci) * c.kh + i) * c.kw + j;
      y[yi] += x[xi]! * w[wi]!;
      if (gy) { gx[xi] += gy[yi]! * w[wi]!; gw[wi] += gy[yi]! * x[xi]!; }
    }
  }
  return { y, gx, gw, Ho, Wo };
}

const cfgs: Cfg[] = [
  { N: 2, C: 3, H: 9, W: 8, O: 4, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
  { N: 1, C: 4, H: 11, W: 10, O: 6, kh: 3, kw: 2, s: [2, 3], p: [2, 1], d: [2, 1], g: 2 },
  { N: 2, C: 5, H: 4, W: 6, O: 7, kh: 1, kw: 1, s: [1, 1], p: [0, 0], d: [1, 1], g: 1 },
];

describe('conv2d', () => {
  cfgs.forEach((c, k) => {
    it(`forward, gradInput and gradWeight match direct loops (case ${k})`, () => {
      const x = randn(c.N * c.C * c.H * c.W, 1 + k), w = randn(c.O * (c.C / c.g) * c.kh * c.kw, 2 + k), bias = randn(c.O, 3 + k);
      const attrs = { stride: c.s, padding: c.p, dilation: c.d, groups: c.g, inputShape: [c.N, c.C, c.H, c.W], weightShape: [c.O, c.C / c.g, c.kh, c.kw] };
      const first = reference(c, x, w);
      const gy = randn(first.y.length, 4 + k);
      const ref = reference(c, x, w, gy);
      const yShape = [c.N, c.O, ref.Ho, ref.Wo];
      for (const dtype of ['float32', 'float64'] as const) {
        const tol = dtype === 'float32' ? 1e-4 : 1e-12;
        const xt = t(dtype, [c.N, c.C, c.H, c.W], x), wt = t(dtype, [c.O, c.C / c.g, c.kh, c.kw], w);
        const y = run('conv2d', [xt, wt, t(dtype, [c.O], bias)], [[dtype, yShape]], attrs)[0]!;
        expectClose(y, ref.y.map((v, i) => v + bias[Math.floor(i / (ref.Ho * ref.Wo)) % c.O]!), tol);
        expectClose(run('conv2dBackwardInput', [t(dtype, yShape, gy), wt], [[dtype, [c.N, c.C, c.H, c.W]]], attrs)[0]!, ref.gx, tol);
        expectClose(run('conv2dBackwardWeight', [t(dtype, yShape, gy), xt], [[dtype, [c.O, c.C / c.g, c.kh, c.kw]]], attrs)[0]!, ref.gw, tol);
      }
    });
  });
});
