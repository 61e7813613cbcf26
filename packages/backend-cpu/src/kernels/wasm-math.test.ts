import { describe, expect, it } from 'vitest';
import { WASM_MIN_N, wasmExpSum, wasmMath, wasmUnary } from './wasm-math.js';
import type { WasmUnaryOp } from './wasm-math.js';
import { erf } from './scalar.js';

/** erfc to ~1e-15 relative for x >= 0 (a continued fraction past 2.5), so gelu(x < 0) has a reference without cancellation. */
function erfc(x: number): number {
  if (x < 2.5) return 1 - erf(x);
  let g = x;
  for (let k = 200; k >= 1; k--) g = x + k / 2 / g;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * g);
}

// float64 references, rounded to float32 before comparing
const ref: Record<WasmUnaryOp, (x: number) => number> = {
  relu: (x) => (x > 0 ? x : x === x ? 0 : x), // -0 to +0
  exp: Math.exp, log: Math.log, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  geluTanh: (x) => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), // = 0.5 x (1 + tanh(u)) without the cancellation
  geluErf: (x) => (x > 0 ? x - 0.5 * x * erfc(x * Math.SQRT1_2) : 0.5 * x * erfc(-x * Math.SQRT1_2)),
};

/** A dense sweep: linear over [-120, 120], log-spaced magnitudes 1e-43..1e43 of both signs, fine steps near 0 and 1, and edge cases. */
function sweep(): Float32Array {
  const xs: number[] = [0, -0, Infinity, -Infinity, NaN, 1, -1, 1e-45, 1e-40, 1.17549435e-38, 88.72, 88.73, 89, 100, -87.33, -103.9, -104, -110, 3.4e38, -3.4e38, 0.625, -0.625, 0.6250001];
  for (let i = 0; i <= 240_000; i++) xs.push(-120 + i * 1e-3);
  for (let i = 0; i <= 100_000; i++) { const m = 10 ** (-43 + i * 86e-5); xs.push(m, -m); }
  for (let i = -20_000; i <= 20_000; i++) xs.push(i * 5e-6, 1 + i * 6e-8);
  return new Float32Array(xs);
}

/** Max relative error per op over the sweep where |reference| >= 1e-30 (0, inf and NaN must agree exactly). */
const BOUND: Record<WasmUnaryOp, number> = { relu: 0, exp: 2.4e-7, log: 2.4e-7, tanh: 2.4e-7, sigmoid: 3.6e-7, geluTanh: 1.5e-5, geluErf: 1.5e-5 }; // gelu: float32 rounding of its argument, amplified by |u| in exp(-2u) and exp(-u^2)

describe('wasm-math SIMD loops', () => {
  const available = wasmMath() !== null;
  const x = sweep();

  for (const op of Object.keys(ref) as WasmUnaryOp[]) {
    it.runIf(available)(`${op} matches float64 Math within ${BOUND[op]} relative error, with exact inf/NaN/0 cases`, () => {
      const y = new Float32Array(x.length);
      expect(wasmUnary(op, x, 0, y, x.length)).toBe(true);
      let worst = 0;
      const wrong: string[] = [];
      for (let i = 0; i < x.length; i++) {
        const r = Math.fround(ref[op](x[i]!)), v = y[i]!;
        const ok = Number.isNaN(r) ? Number.isNaN(v)
          : !Number.isFinite(r) || r === 0 ? Object.is(v, r)
          // near and below float32's smallest normal the result has few significant bits: an absolute bound there
          : Math.abs(r) < 1e-30 ? Math.abs(v - r) < 1e-34
          : (worst = Math.max(worst, Math.abs(v - r) / Math.abs(r))) >= 0;
        if (!ok) wrong.push(`${op}(${x[i]}) = ${v}, want ${r}`);
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(worst).toBeLessThanOrEqual(BOUND[op]);
    });
  }

  it.runIf(available)('exp overflows to inf above 88.72, underflows to 0, keeps NaN; log(0) = -inf, log(<0) = NaN; tanh saturates; sigmoid is stable', () => {
    const run = (op: WasmUnaryOp, v: number[]): number[] => {
      const xs = new Float32Array([...v, ...new Array<number>(WASM_MIN_N).fill(0)]), ys = new Float32Array(xs.length);
      wasmUnary(op, xs, 0, ys, xs.length);
      return [...ys.subarray(0, v.length)];
    };
    expect(run('exp', [88.8, 1000, -200, NaN, -Infinity])).toEqual([Infinity, Infinity, 0, NaN, 0]);
    expect(run('log', [0, -0, -1, -Infinity, Infinity, NaN])).toEqual([-Infinity, -Infinity, NaN, NaN, Infinity, NaN]);
    expect(run('tanh', [20, -20, Infinity, -Infinity, -0])).toEqual([1, -1, 1, -1, -0]);
    expect(run('sigmoid', [200, -200, Infinity, -Infinity, 0])).toEqual([1, 0, 1, 0, 0.5]);
  });

  it.runIf(available)('works on offsets, lengths not a multiple of 4, and more than one chunk', () => {
    const n = 10_003, xs = new Float32Array(n + 7).map((_, i) => Math.sin(i) * 5), ys = new Float32Array(n);
    wasmUnary('tanh', xs, 7, ys, n);
    for (let i = 0; i < n; i++) expect(Math.abs(ys[i]! - Math.tanh(xs[i + 7]!))).toBeLessThan(2e-7);
  });

  it.runIf(available)('expSum returns the float64 sum of exp(x - shift) and stores the terms', () => {
    const n = 9_001, xs = new Float32Array(n).map((_, i) => Math.cos(i) * 10), ys = new Float32Array(n);
    let want = 0;
    const term = (i: number): number => Math.exp(Math.fround(xs[i]! - 10)); // the shift is subtracted in float32
    for (let i = 0; i < n; i++) want += term(i);
    expect(Math.abs(wasmExpSum(xs, 0, n, 10, ys)! - want) / want).toBeLessThan(2.4e-7);
    for (let i = 0; i < n; i++) expect(Math.abs(ys[i]! - term(i))).toBeLessThanOrEqual(2.4e-7 * term(i));
  });

  it('declines small, non-float32 inputs so the JS loop runs', () => {
    expect(wasmUnary('exp', new Float32Array(4), 0, new Float32Array(4), 4)).toBe(false);
    expect(wasmUnary('exp', new Float64Array(64), 0, new Float64Array(64), 64)).toBe(false);
    expect(wasmExpSum(new Float64Array(64), 0, 64, 0, null)).toBeNull();
  });
});
