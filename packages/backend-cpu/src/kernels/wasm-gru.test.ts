import { afterEach, describe, expect, it } from 'vitest';
import { gruBackSimd, gruStepSimd, setGruSimdDisabled } from './wasm-gru.js';
import { gruCell } from './rnn.js';
import type { KernelTensor } from '@flint/core';
import type { NumArray } from '../storage.js';

function values(n: number, seed: number, scale = 2): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; v[i] = (s / 2 ** 32 - 0.5) * scale; }
  return v;
}
const kt = (buffer: NumArray, shape: number[]): KernelTensor<NumArray> => ({ buffer, shape, strides: shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1)), offset: 0, dtype: buffer instanceof Float32Array ? 'float32' : 'float64' }) as KernelTensor<NumArray>;

describe('wasm-gru SIMD step', () => {
  afterEach(() => setGruSimdDisabled(false));
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));

  it('matches gruCell in float64 within float32 rounding, planes included, at offsets', () => {
    const B = 5, H = 12, N = B * H;
    const xp = values(3 * N + 3, 1, 8), hg = values(3 * N + 1, 2, 8), c = values(3 * H + 2, 3), h = values(N + 4, 4);
    const out = new Float32Array(N + 1), ws = new Float32Array(4 * N + 2);
    expect(gruStepSimd(xp, 3, null, 0, { data: hg, off: 1, ld: 0 }, c, 2, h, 4, out, 1, ws, 2, B, H)).toBe(true);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const e = b * H + j, g = b * 3 * H + j;
        const r = sig(xp[3 + g]! + hg[1 + g]! + c[2 + j]!), z = sig(xp[3 + g + H]! + hg[1 + g + H]! + c[2 + H + j]!);
        const hn = hg[1 + g + 2 * H]! + c[2 + 2 * H + j]!, n = Math.tanh(xp[3 + g + 2 * H]! + r * hn), want = n + z * (h[4 + e]! - n);
        expect(Math.abs(out[1 + e]! - want)).toBeLessThan(2e-6);
        expect(Math.abs(ws[2 + e]! - r)).toBeLessThan(1e-6);
        expect(Math.abs(ws[2 + N + e]! - z)).toBeLessThan(1e-6);
        expect(Math.abs(ws[2 + 2 * N + e]! - n)).toBeLessThan(2e-6);
        expect(Math.abs(ws[2 + 3 * N + e]! - hn)).toBeLessThan(2e-6);
      }
    }
    expect(out[0]).toBe(0);
  });

  it('reads the hidden gates transposed ([3H, ld], the GEMM block) and adds an input bias first, to the same bits', () => {
    const B = 5, H = 8, N = B * H, ld = 8;
    const xp = values(3 * N, 21, 6), hg = values(3 * N, 22, 6), bi = values(3 * H, 23), c = values(3 * H, 24), h = values(N, 25);
    const hgT = new Float32Array(3 * H * ld).fill(NaN); // the padding columns must not be read
    for (let b = 0; b < B; b++) for (let g = 0; g < 3 * H; g++) hgT[g * ld + b] = hg[b * 3 * H + g]!;
    const biased = xp.map((v, i) => Math.fround(v + bi[i % (3 * H)]!));
    const run = (x: Float32Array, b: Float32Array | null, gates: { data: Float32Array; off: number; ld: number }): Float32Array[] => {
      const out = new Float32Array(N), ws = new Float32Array(4 * N);
      expect(gruStepSimd(x, 0, b, 0, gates, c, 0, h, 0, out, 0, ws, 0, B, H)).toBe(true);
      return [out, ws];
    };
    const want = run(biased, null, { data: hg, off: 0, ld: 0 });
    expect(run(xp, bi, { data: hg, off: 0, ld: 0 })).toEqual(want);
    expect(run(xp, bi, { data: hgT, off: 0, ld })).toEqual(want);
    expect(run(biased, null, { data: hgT, off: 0, ld })).toEqual(want);
  });

  it('gruCell takes it for float32 and agrees with its JS loop (turned off) within float32 rounding', () => {
    const B = 3, H = 8, N = B * H;
    const run = (): [Float32Array, Float32Array] => {
      const out = new Float32Array(N), ws = new Float32Array(4 * N);
      gruCell([kt(values(3 * N, 5, 6), [B, 3 * H]), kt(values(3 * N, 6, 6), [B, 3 * H]), kt(values(N, 7), [B, H]), kt(values(3 * H, 8), [3 * H])], [kt(out, [B, H]), kt(ws, [4, B, H])], {});
      return [out, ws];
    };
    const simd = run();
    setGruSimdDisabled(true);
    const js = run();
    for (let k = 0; k < 2; k++) for (let i = 0; i < simd[k]!.length; i++) expect(Math.abs(simd[k]![i]! - js[k]![i]!)).toBeLessThan(2e-6);
  });

  it('the backward step matches gruCellBackward\'s arithmetic in float64 within float32 rounding', () => {
    const B = 3, H = 8, N = B * H;
    const sigm = values(4 * N, 9, 6).map(sig), ws = new Float32Array(4 * N);
    ws.set(sigm.subarray(0, 2 * N)); ws.set(values(N, 10, 1.8), 2 * N); ws.set(values(N, 11, 3), 3 * N); // r, z in (0,1); n in (-0.9, 0.9); h_n
    const y = values(N + 2, 12), carry = values(N, 13), h = values(N + 1, 14), dx = new Float32Array(3 * N + 5), dh = new Float32Array(3 * N + 5);
    const carry0 = carry.slice();
    expect(gruBackSimd(ws, 0, y, 2, carry, h, 1, dx, dh, 5, B, H)).toBe(true);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const e = b * H + j, g = 5 + b * 3 * H + j, r = ws[e]!, z = ws[N + e]!, n = ws[2 * N + e]!, hn = ws[3 * N + e]!, d = y[2 + e]! + carry0[e]!;
        const dn = d * (1 - z) * (1 - n * n), dz = d * (h[1 + e]! - n) * z * (1 - z), dr = dn * hn * r * (1 - r);
        const near = (got: number, want: number): void => expect(Math.abs(got - want)).toBeLessThanOrEqual(4e-7 * (1 + Math.abs(want)));
        near(dx[g]!, dr); near(dx[g + H]!, dz); near(dx[g + 2 * H]!, dn);
        near(dh[g]!, dr); near(dh[g + H]!, dz); near(dh[g + 2 * H]!, dn * r);
        near(carry[e]!, d * z);
      }
    }
  });

  it('declines a hidden size that is not a multiple of 4, and an empty batch', () => {
    const a = new Float32Array(64);
    expect(gruStepSimd(a, 0, null, 0, { data: a, off: 0, ld: 0 }, null, 0, a, 0, a, 0, null, 0, 2, 5)).toBe(false);
    expect(gruStepSimd(a, 0, null, 0, { data: a, off: 0, ld: 0 }, null, 0, a, 0, a, 0, null, 0, 0, 4)).toBe(false);
  });
});
