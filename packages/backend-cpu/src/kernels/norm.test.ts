import { describe, expect, it } from 'vitest';
import { IndexError } from '@flint/core';
import { expectClose, randn, run, t } from '../testing.js';
import { setStreamDisabled } from './wasm-stream.js';

const [N, C, S] = [3, 2, 4];
const xs = randn(N * C * S, 11), w = [1.5, -0.5], b = [0.1, 0.2];

function bnForward(x: number[]): number[] {
  const y = run('batchNorm', [t('float64', [N, C, S], x), t('float64', [C], w), t('float64', [C], b)],
    [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]], { training: true, eps: 1e-5 });
  return y[0]!;
}

describe('normalisation', () => {
  it("batchNormStats gives batchNorm's training statistics bit for bit (float32 and float64)", () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = t(dtype, [N, C, S], xs), eps = 1e-3;
      const [, mean, invstd] = run('batchNorm', [x, t(dtype, [C], w), t(dtype, [C], b)], [[dtype, [N, C, S]], [dtype, [C]], [dtype, [C]]], { training: true, eps });
      const stats = run('batchNormStats', [x], [[dtype, [C]], [dtype, [C]]], { eps });
      expect(stats).toEqual([mean, invstd]);
      for (let c = 0; c < C; c++) {
        const vals = [...Array(N).keys()].flatMap((n) => xs.slice((n * C + c) * S, (n * C + c + 1) * S));
        const m = vals.reduce((a, v) => a + v, 0) / vals.length, v = vals.reduce((a, u) => a + (u - m) ** 2, 0) / vals.length;
        expect(stats[0]![c]).toBeCloseTo(m, 5);
        expect(stats[1]![c]).toBeCloseTo(1 / Math.sqrt(v + eps), 4);
      }
    }
  });

  it('batchNorm (training) normalises each channel with biased batch variance', () => {
    const [y, mean, invstd] = run('batchNorm', [t('float64', [N, C, S], xs), t('float64', [C], w), t('float64', [C], b)],
      [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]], { training: true, eps: 1e-5 });
    for (let c = 0; c < C; c++) {
      const vals = [...Array(N).keys()].flatMap((n) => xs.slice((n * C + c) * S, (n * C + c + 1) * S));
      const m = vals.reduce((a, v) => a + v, 0) / vals.length;
      const v = vals.reduce((a, u) => a + (u - m) ** 2, 0) / vals.length;
      expectClose([mean![c]!, invstd![c]!], [m, 1 / Math.sqrt(v + 1e-5)], 1e-12);
      expectClose([y![c * S]!], [(xs[c * S]! - m) / Math.sqrt(v + 1e-5) * w[c]! + b[c]!], 1e-12);
    }
  });
  it('batchNorm (eval) uses the running statistics', () => {
    const [y, mean, invstd] = run('batchNorm', [t('float32', [1, 1, 2], [1, 3]), t('float32', [1], [2]), t('float32', [1], [1]), t('float32', [1], [1]), t('float32', [1], [4])],
      [['float32', [1, 1, 2]], ['float32', [1]], ['float32', [1]]], { training: false, eps: 0 });
    expect([y, mean, invstd]).toEqual([[1, 3], [1], [0.5]]);
  });
  it('batchNormRelu stores relu of batchNorm bit for bit: SIMD and JS loops, float32 and float64, train and eval', () => {
    // C = 3 channels of 2 x 37: a NaN, infinities, and (eval) values equal to channel 1's running mean, which its
    // negative weight and -0 bias normalize to -0 in the SIMD loop (relu stores +0)
    const [n, c, s] = [2, 3, 37], x = randn(n * c * s, 21).map((v) => v * 3);
    x[5] = NaN; x[40] = Infinity; x[80] = -Infinity; x[150] = 0.25; x[151] = 0.25;
    const w = [1.5, -0.5, 2], b = [0.1, -0, -0.2], rm = [0, 0.25, -0.1], rv = [1, 2, 0.5];
    try {
      for (const off of [false, true]) {
        setStreamDisabled(off);
        for (const dtype of ['float32', 'float64'] as const) {
          for (const training of [true, false]) {
            const ins = () => [t(dtype, [n, c, s], x), t(dtype, [c], w), t(dtype, [c], b), t(dtype, [c], rm), t(dtype, [c], rv)];
            const outs: [typeof dtype, number[]][] = [[dtype, [n, c, s]], [dtype, [c]], [dtype, [c]]];
            const [y, mean, invstd] = run('batchNorm', ins(), outs, { training, eps: 1e-5 });
            const relu = run('relu', [t(dtype, [n, c, s], y!)], [[dtype, [n, c, s]]])[0]!;
            const fused = run('batchNormRelu', ins(), outs, { training, eps: 1e-5 });
            expect(fused).toEqual([relu, mean, invstd]);
            if (!training) expect([Object.is(fused[0]![150], 0), Number.isNaN(fused[0]![5])]).toEqual([true, true]);
          }
        }
      }
    } finally {
      setStreamDisabled(false);
    }
  });
  it('batchNormReluBackward gives batchNormBackward of reluBackward bit for bit: SIMD and JS loops, float32 and float64', () => {
    // 2 x 4 x 37: relu's output with zeros, -0, a NaN and positives; channel 3's mean is over 1000 standard
    // deviations (the two-pass sum of g (x - mean))
    const [n, c, s] = [2, 4, 37], sz = n * c * s;
    const g = randn(sz, 31), x = randn(sz, 32), o = randn(sz, 33).map((v, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? -0 : v));
    o[9] = NaN;
    const w = [1.5, -0.5, 2, 0.7], mean = [0.1, -0.2, 0, 5000], invstd = [1.2, 0.8, 2, 0.9];
    try {
      for (const off of [false, true]) {
        setStreamDisabled(off);
        for (const dtype of ['float32', 'float64'] as const) {
          const outs: [typeof dtype, number[]][] = [[dtype, [n, c, s]], [dtype, [c]], [dtype, [c]]];
          const stats = [t(dtype, [c], w), t(dtype, [c], mean), t(dtype, [c], invstd)];
          const gm = run('reluBackward', [t(dtype, [n, c, s], g), t(dtype, [n, c, s], o)], [[dtype, [n, c, s]]])[0]!;
          const want = run('batchNormBackward', [t(dtype, [n, c, s], gm), t(dtype, [n, c, s], x), ...stats], outs, { training: true });
          const got = run('batchNormReluBackward', [t(dtype, [n, c, s], g), t(dtype, [n, c, s], o), t(dtype, [n, c, s], x), ...stats], outs, { training: true });
          expect(got).toEqual(want);
        }
      }
    } finally {
      setStreamDisabled(false);
    }
  });
  it('batchNormBackward matches finite differences of the forward', () => {
    const gy = randn(N * C * S, 12);
    const [, mean, invstd] = run('batchNorm', [t('float64', [N, C, S], xs), t('float64', [C], w), t('float64', [C], b)],
      [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]], { training: true, eps: 1e-5 });
    const [gx, gw, gb] = run('batchNormBackward', [t('float64', [N, C, S], gy), t('float64', [N, C, S], xs), t('float64', [C], w), t('float64', [C], mean!), t('float64', [C], invstd!)],
      [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]], {});
    const loss = (x: number[]): number => bnForward(x).reduce((a, v, i) => a + v * gy[i]!, 0);
    const h = 1e-6;
    const numeric = xs.map((_, i) => { const p = xs.slice(), m = xs.slice(); p[i]! += h; m[i]! -= h; return (loss(p) - loss(m)) / (2 * h); });
    expectClose(gx!, numeric, 1e-6);
    const y = bnForward(xs), xhat = y.map((v, i) => (v - b[Math.floor(i / S) % C]!) / w[Math.floor(i / S) % C]!);
    expectClose(gw!, [0, 1].map((c) => gy.reduce((a, g, i) => (Math.floor(i / S) % C === c ? a + g * xhat[i]! : a), 0)), 1e-9);
    expectClose(gb!, [0, 1].map((c) => gy.reduce((a, g, i) => (Math.floor(i / S) % C === c ? a + g : a), 0)), 1e-12);
  });
  it('layerNorm normalises each row and returns mean and rstd', () => {
    const [y, mean, rstd] = run('layerNorm', [t('float32', [2, 3], [1, 2, 3, 2, 2, 2]), t('float32', [3], [1, 1, 2]), t('float32', [3], [0, 0, 1])],
      [['float32', [2, 3]], ['float32', [2]], ['float32', [2]]], { eps: 0.5 });
    const r = 1 / Math.sqrt(2 / 3 + 0.5);
    expectClose(y!, [-r, 0, 2 * r + 1, 0, 0, 1], 1e-6);
    expectClose(mean!, [2, 2], 1e-7);
    expectClose(rstd!, [r, 1 / Math.sqrt(0.5)], 1e-6);
  });
});

describe('softmax family', () => {
  it('softmax and logSoftmax are stable for large logits', () => {
    const x = t('float32', [2, 3], [1000, 1001, 1002, 1, 1, 1]);
    const e = [Math.exp(-2), Math.exp(-1), 1], s = e[0]! + e[1]! + e[2]!;
    expectClose(run('softmax', [x], [['float32', [2, 3]]])[0]!, [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3], 1e-6);
    expectClose(run('logSoftmax', [x], [['float32', [2, 3]]])[0]!, [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)], 1e-6);
  });
  it('crossEntropy averages over non-ignored targets and rejects out-of-range ones', () => {
    const logits = t('float64', [3, 2], [0, 0, 1, 3, 2, 2]);
    const l1 = Math.log(2), l2 = Math.log(1 + Math.exp(2)) ; // row 1 target 0: lse - 1
    const target = t('int64', [3], [1, 0, -100]);
    expectClose(run('crossEntropy', [logits, target], [['float64', []]], { ignoreIndex: -100, reduction: 'mean' })[0]!, [(l1 + l2) / 2], 1e-12);
    expectClose(run('crossEntropy', [logits, target], [['float64', []]], { ignoreIndex: -100, reduction: 'sum' })[0]!, [l1 + l2], 1e-12);
    expectClose(run('crossEntropy', [logits, target], [['float64', [3]]], { ignoreIndex: -100, reduction: 'none' })[0]!, [l1, l2, 0], 1e-12);
    expect(() => run('crossEntropy', [logits, t('int32', [3], [0, 2, 0])], [['float64', []]], { ignoreIndex: -100, reduction: 'mean' })).toThrow(IndexError);
  });
});
