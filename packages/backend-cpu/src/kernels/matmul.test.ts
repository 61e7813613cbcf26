import { describe, it } from 'vitest';
import type { DType } from '@flint/core';
import { expectClose, randn, run, t } from '../testing.js';
import { gemm } from './gemm.js';

/** Naive reference over logical [B, M, K] x [B, K, N] arrays. */
function naive(a: number[], b: number[], B: number, M: number, K: number, N: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < B; p++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[(p * M + i) * K + k]! * b[(p * K + k) * N + j]!;
    out.push(s);
  }
  return out;
}

const transpose = (x: number[], r: number, c: number): number[] => Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]!);

describe('matmul', () => {
  for (const [M, K, N] of [[1, 1, 1], [7, 13, 5], [37, 300, 29], [130, 260, 520], [3, 0, 4]] as const) {
    it(`matches the naive product at ${M}x${K}x${N} in float32 and float64`, () => {
      const a = randn(M * K, 1), b = randn(K * N, 2), ref = naive(a, b, 1, M, K, N);
      for (const dtype of ['float32', 'float64'] as DType[]) {
        const out = run('matmul', [t(dtype, [M, K], a), t(dtype, [K, N], b)], [[dtype, [M, N]]])[0]!;
        expectClose(out, ref, dtype === 'float32' ? 1e-4 : 1e-12);
      }
    });
  }
  it('reads transposed operands through their strides', () => {
    const [M, K, N] = [19, 23, 17];
    const a = randn(M * K, 3), b = randn(K * N, 4), ref = naive(a, b, 1, M, K, N);
    const aT = t('float32', [M, K], transpose(a, M, K), [1, M]); // stored as [K, M], viewed transposed
    const bT = t('float32', [K, N], transpose(b, K, N), [1, K]);
    expectClose(run('matmul', [aT, bT], [['float32', [M, N]]])[0]!, ref, 1e-4);
  });
  it('handles batches, with a batch stride of 0 from broadcasting', () => {
    const [B, M, K, N] = [3, 5, 6, 7];
    const a = randn(B * M * K, 5), b = randn(K * N, 6);
    const bRep = [...b, ...b, ...b];
    const ref = naive(a, bRep, B, M, K, N);
    expectClose(run('matmul', [t('float32', [B, M, K], a), t('float32', [B, K, N], b, [0, N, 1])], [['float32', [B, M, N]]])[0]!, ref, 1e-4);
  });
  it('multiplies integers exactly', () => {
    const a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12];
    for (const dtype of ['int32', 'int64'] as DType[]) {
      expectClose(run('matmul', [t(dtype, [2, 3], a), t(dtype, [3, 2], b)], [[dtype, [2, 2]]])[0]!, [58, 64, 139, 154], 0);
    }
  });
  it('the plain-JS GEMM path agrees with the SIMD one', () => {
    const [M, K, N] = [33, 70, 45];
    const a = new Float32Array(randn(M * K, 7)), b = new Float32Array(randn(K * N, 8));
    const c1 = new Float32Array(M * N), c2 = new Float32Array(M * N);
    gemm(M, N, K, { data: a, off: 0, rs: K, cs: 1 }, { data: b, off: 0, rs: N, cs: 1 }, c1, 0, N, false, true);
    gemm(M, N, K, { data: a, off: 0, rs: K, cs: 1 }, { data: b, off: 0, rs: N, cs: 1 }, c2, 0, N, false, false);
    expectClose(c1, naive(Array.from(a), Array.from(b), 1, M, K, N), 1e-4);
    expectClose(c2, c1, 1e-4);
  });
});
