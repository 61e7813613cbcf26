import { describe, expect, it } from 'vitest';
import { expectClose, randn, run, t } from '../testing.js';

// x = arange(1, 26).reshape(1, 1, 5, 5) with x[1][1] = -1; expected values from PyTorch 1.13 (float64)
const xs = Array.from({ length: 25 }, (_, i) => (i === 6 ? -1 : i + 1));
const x = t('float64', [1, 1, 5, 5], xs);

/** max pooling by the definition (PyTorch's rule: a larger value or the first NaN wins, first index on ties). */
function maxPoolRef(X: number[], planes: number, H: number, W: number, Ho: number, Wo: number, k: number[], s: number[], p: number[], d: number[]): [number[], number[]] {
  const v: number[] = [], ix: number[] = [];
  for (let pl = 0; pl < planes; pl++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity, bi = -1;
        for (let i = 0; i < k[0]!; i++) {
          for (let j = 0; j < k[1]!; j++) {
            const h = oh * s[0]! - p[0]! + i * d[0]!, w = ow * s[1]! - p[1]! + j * d[1]!;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const x = X[pl * H * W + h * W + w]!;
            if (bi < 0) bi = h * W + w;
            if (x > best || (Number.isNaN(x) && !Number.isNaN(best))) { best = x; bi = h * W + w; }
          }
        }
        v.push(best); ix.push(bi);
      }
    }
  }
  return [v, ix];
}

describe('pooling', () => {
  it('float32 maxPool2d (SIMD over the windows inside a row, column stride 1 or 2) equals the definition, NaN, -inf and ties included', () => {
    const cases: [number[], number[], number[], number[], number[]][] = [
      // [N, C, H, W], kernel, stride, padding, dilation
      [[2, 3, 13, 21], [3, 3], [2, 2], [1, 1], [1, 1]],
      [[1, 2, 9, 17], [2, 2], [2, 2], [0, 0], [1, 1]],
      [[1, 2, 8, 19], [3, 2], [1, 1], [1, 0], [1, 1]],
      [[1, 1, 10, 24], [2, 3], [3, 2], [1, 1], [2, 2]],
      [[1, 2, 7, 30], [1, 5], [1, 1], [0, 2], [1, 1]],
      [[1, 1, 6, 12], [2, 2], [2, 3], [0, 0], [1, 1]], // column stride 3: the JS loop alone
    ];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [[N, C, H, W], k, st, pd, dl] of cases) {
      // values on a coarse grid (ties), with NaN and -inf sprinkled in
      const X = Array.from({ length: N * C * H * W }, () => { const r = rnd(); return r < 0.04 ? NaN : r < 0.1 ? -Infinity : Math.floor(r * 8) - 3; });
      const Ho = Math.floor((H + 2 * pd[0]! - dl[0]! * (k[0]! - 1) - 1) / st[0]!) + 1, Wo = Math.floor((W + 2 * pd[1]! - dl[1]! * (k[1]! - 1) - 1) / st[1]!) + 1;
      const [wantV, wantI] = maxPoolRef(X, N * C, H, W, Ho, Wo, k, st, pd, dl);
      const attrs = { kernelSize: k, stride: st, padding: pd, dilation: dl, ceilMode: false };
      for (const idx of ['int32', 'int64'] as const) {
        const [v, i] = run('maxPool2d', [t('float32', [N, C, H, W], X)], [['float32', [N, C, Ho, Wo]], [idx, [N, C, Ho, Wo]]], attrs);
        expect(v, `${JSON.stringify([N, C, H, W, k, st, pd, dl])} values`).toEqual(wantV);
        expect(i, `${JSON.stringify([N, C, H, W, k, st, pd, dl])} ${idx} indices`).toEqual(wantI);
      }
    }
  });

  it('maxPool2d with padding and ceilMode returns values and flat plane indices', () => {
    const [v, i] = run('maxPool2d', [x], [['float64', [1, 1, 3, 3]], ['int64', [1, 1, 3, 3]]],
      { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true });
    expect(v).toEqual([6, 9, 10, 17, 19, 20, 22, 24, 25]);
    expect(i).toEqual([5, 8, 9, 16, 18, 19, 21, 23, 24]);
  });
  it('maxPool2d with dilation', () => {
    const [v, i] = run('maxPool2d', [x], [['float64', [1, 1, 2, 2]], ['int64', [1, 1, 2, 2]]],
      { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [2, 2], ceilMode: false });
    expect(v).toEqual([13, 15, 23, 25]);
    expect(i).toEqual([12, 14, 22, 24]);
  });
  it('maxPool2d propagates NaN, and its backward routes gradients to the argmax', () => {
    const [v, i] = run('maxPool2d', [t('float32', [1, 1, 1, 3], [1, NaN, 3])], [['float32', [1, 1, 1, 1]], ['int64', [1, 1, 1, 1]]],
      { kernelSize: [1, 3], stride: [1, 3], padding: [0, 0], dilation: [1, 1], ceilMode: false });
    expect(v).toEqual([NaN]);
    expect(i).toEqual([1]);
    const g = run('maxPool2dBackward', [t('float32', [1, 1, 1, 2], [5, 7]), t('int64', [1, 1, 1, 2], [2, 2])], [['float32', [1, 1, 1, 3]]],
      { inputShape: [1, 1, 1, 3] })[0];
    expect(g).toEqual([0, 0, 12]);
  });
  it('maxPool2d writes int32 indices (what core asks for when only autograd keeps them), equal to the int64 ones', () => {
    const attrs = { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true };
    const [, i32] = run('maxPool2d', [x], [['float64', [1, 1, 3, 3]], ['int32', [1, 1, 3, 3]]], attrs);
    const [, i64] = run('maxPool2d', [x], [['float64', [1, 1, 3, 3]], ['int64', [1, 1, 3, 3]]], attrs);
    expect(i32).toEqual([5, 8, 9, 16, 18, 19, 21, 23, 24]);
    expect(i64).toEqual(i32);
    for (const dtype of ['int32', 'int64'] as const) {
      const g = run('maxPool2dBackward', [t('float32', [1, 1, 1, 2], [5, 7]), t(dtype, [1, 1, 1, 2], [2, 0])], [['float32', [1, 1, 1, 3]]],
        { inputShape: [1, 1, 1, 3] })[0];
      expect(g, dtype).toEqual([7, 0, 5]);
    }
  });
  const avg = { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: true };
  it('avgPool2d and its backward over whole 2x2 windows at stride 2 (odd sizes, divisorOverride) equal the definition bit for bit', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [H, W, over] of [[6, 8, undefined], [7, 9, undefined], [4, 5, 3]] as const) {
        const planes = 3, Ho = Math.floor(H / 2), Wo = Math.floor(W / 2), xs = randn(planes * H * W, H * 31 + W);
        const attrs = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: false, countIncludePad: true, ...(over ? { divisorOverride: over } : {}) };
        const f = dtype === 'float32' ? (v: number) => Math.fround(v) : (v: number) => v;
        const X = xs.map(f), div = over ?? 4;
        const want: number[] = [], wantGx = new Array<number>(planes * H * W).fill(0), gys = randn(planes * Ho * Wo, 5).map(f);
        for (let p = 0; p < planes; p++) {
          for (let oh = 0; oh < Ho; oh++) {
            for (let ow = 0; ow < Wo; ow++) {
              const at = (i: number, j: number): number => p * H * W + (2 * oh + i) * W + 2 * ow + j;
              want.push(f((X[at(0, 0)]! + X[at(0, 1)]! + X[at(1, 0)]! + X[at(1, 1)]!) / div));
              const v = f(gys[(p * Ho + oh) * Wo + ow]! / div);
              for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) wantGx[at(i, j)] = v;
            }
          }
        }
        expect(run('avgPool2d', [t(dtype, [1, planes, H, W], X)], [[dtype, [1, planes, Ho, Wo]]], attrs)[0]).toEqual(want);
        expect(run('avgPool2dBackward', [t(dtype, [1, planes, Ho, Wo], gys)], [[dtype, [1, planes, H, W]]], { ...attrs, inputShape: [1, planes, H, W] })[0]).toEqual(wantGx);
      }
    }
  });

  it('avgPool2d follows PyTorch divisors with and without countIncludePad', () => {
    expectClose(run('avgPool2d', [x], [['float64', [1, 1, 3, 3]]], { ...avg, countIncludePad: true })[0]!,
      [0.8888888888888888, 2.7777777777777777, 3.111111111111111, 6.777777777777778, 12.11111111111111, 9.666666666666666, 8.444444444444445, 13.666666666666666, 9.777777777777779], 1e-12);
    expectClose(run('avgPool2d', [x], [['float64', [1, 1, 3, 3]]], { ...avg, countIncludePad: false })[0]!,
      [2.0, 4.166666666666667, 7.0, 10.166666666666666, 12.11111111111111, 14.5, 19.0, 20.5, 22.0], 1e-12);
    expectClose(run('avgPool2d', [x], [['float64', [1, 1, 3, 3]]], { kernelSize: [2, 2], stride: [2, 2], padding: [1, 1], ceilMode: true, countIncludePad: true, divisorOverride: 3 })[0]!,
      [0.3333333333333333, 1.6666666666666667, 3.0, 5.666666666666667, 10.666666666666666, 16.0, 12.333333333333334, 26.666666666666668, 29.333333333333332], 1e-12);
  });
  it('avgPool2dBackward spreads gradients with the same divisors', () => {
    const gy = t('float64', [1, 1, 3, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expectClose(run('avgPool2dBackward', [gy], [['float64', [1, 1, 5, 5]]], { ...avg, countIncludePad: false, inputShape: [1, 1, 5, 5] })[0]!,
      [0.0, 0.16666666666666666, 0.16666666666666666, 0.6666666666666666, 0.5, 0.5, 1.1111111111111112, 0.611111111111111, 1.9444444444444446, 1.3333333333333335, 0.5, 0.9444444444444444, 0.4444444444444444, 1.2777777777777777, 0.8333333333333334, 2.0, 3.6111111111111116, 1.6111111111111112, 4.444444444444445, 2.8333333333333335, 1.5, 2.666666666666667, 1.1666666666666667, 3.166666666666667, 2.0], 1e-12);
  });
});
