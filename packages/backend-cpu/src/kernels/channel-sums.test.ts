// Per-channel sums computed four channels at a time (stridedSum's batch-norm layout, batchNorm and its
// backward) equal the plain one-channel-at-a-time loops exactly, for channel counts with a remainder.
import { describe, expect, it } from 'vitest';
import { randn, run, t } from '../testing.js';
import { setStreamDisabled } from './wasm-stream.js';

const [N, C, S] = [3, 7, 5];
const xs = randn(N * C * S, 3).map((v) => Math.fround(v * 4)), gs = randn(N * C * S, 5).map(Math.fround);
/** sum over n, i of f(n, c, i) in n, i order, in double. */
const perChannel = (f: (k: number) => number): number[] => Array.from({ length: C }, (_, c) => {
  let s = 0;
  for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += f((n * C + c) * S + i);
  return s;
});

describe('channel sums four at a time', () => {
  it('sum over N and S of an [N, C, S] tensor viewed as [C, N, S] equals the row-by-row sum', () => {
    const got = run('sum', [t('float32', [C, N, S], xs, [S, C * S, 1])], [['float64', [C]]], { reduceDims: 2 })[0]!;
    expect(got).toEqual(perChannel((k) => xs[k]!));
  });
  it('sum over the rows of a [A, L] matrix (a bias gradient, viewed as [L, A]) adds the rows in order', () => {
    const [A, L] = [9, 7], m = randn(A * L, 9).map(Math.fround);
    const got = run('sum', [t('float32', [L, A], m, [1, L])], [['float64', [L]]], { reduceDims: 1 })[0]!;
    expect(got).toEqual(Array.from({ length: L }, (_, j) => { let s = 0; for (let a = 0; a < A; a++) s += m[a * L + j]!; return s; }));
  });
  it('the float32 rows summed in WebAssembly SIMD give the row-by-row loop\'s bits: widths with a remainder and past one column block, strided rows, NaN, infinities and -0', () => {
    for (const [A, L, extra] of [[9600, 300, 0], [37, 7, 3], [5, 8195, 0], [70, 130, 5]] as const) {
      const stride = L + extra, m = randn(A * stride, L).map((v) => Math.fround(v * 3));
      if (L === 7) { m[3] = NaN; m[stride + 4] = Infinity; m[2 * stride + 5] = -Infinity; m[6] = -0; m[stride + 6] = -0; }
      const x = t('float32', [L, A], m, [1, stride]);
      const loop = Array.from({ length: L }, (_, j) => { let s = 0; for (let a = 0; a < A; a++) s += m[a * stride + j]!; return s; });
      const f64 = run('sum', [x], [['float64', [L]]], { reduceDims: 1 })[0]!;
      expect(f64.every((v, j) => Object.is(v, loop[j]) || (Number.isNaN(v) && Number.isNaN(loop[j]!)))).toBe(true);
      expect(run('sum', [x], [['float32', [L]]], { reduceDims: 1 })[0]).toEqual(loop.map(Math.fround));
      setStreamDisabled(true);
      try { expect(run('sum', [x], [['float64', [L]]], { reduceDims: 1 })[0]).toEqual(f64); } finally { setStreamDisabled(false); }
    }
  });
  it('batchNorm statistics and batchNormBackward sums equal the one-channel loops', () => {
    const [, mean, invstd] = run('batchNorm', [t('float64', [N, C, S], xs)], [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]], { training: true, eps: 1e-5 });
    const m = perChannel((k) => xs[k]!).map((s) => s / (N * S));
    expect(mean).toEqual(m);
    const v = Array.from({ length: C }, (_, c) => { let s = 0; for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) { const d = xs[(n * C + c) * S + i]! - m[c]!; s += d * d; } return s; });
    expect(invstd).toEqual(v.map((s) => 1 / Math.sqrt(s / (N * S) + 1e-5)));
    const [, gw, gb] = run('batchNormBackward', [t('float64', [N, C, S], gs), t('float64', [N, C, S], xs), t('float64', [C], new Array(C).fill(1)), t('float64', [C], m), t('float64', [C], invstd!)],
      [['float64', [N, C, S]], ['float64', [C]], ['float64', [C]]]);
    expect(gb).toEqual(perChannel((k) => gs[k]!));
    const sgx = Array.from({ length: C }, (_, c) => { let s = 0; for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) { const k = (n * C + c) * S + i; s += gs[k]! * (xs[k]! - m[c]!); } return s; });
    expect(gw).toEqual(sgx.map((s, c) => s * invstd![c]!));
  });
});
