import { describe, expect, it } from 'vitest';
import { runBundled } from '../testing-bundle.js';
import type { WasmGemm } from './wasm-gemm.js';
import { buildWasmGemm } from './wasm-gemm.js';

/**
 * Runs gebp over 2x2 micro-tiles (mc = 2 MR, nc = 2 NR) and K = 37, twice (the second adding onto the
 * first), against float64 sums; returns the largest relative error.
 */
function gebpError(w: WasmGemm): number {
  const mc = 2 * w.mr, nc = 2 * w.nr, kc = 37, ap = 0, bp = mc * kc, cp = bp + kc * nc;
  const f32 = new Float32Array(w.memory.buffer);
  for (let i = 0; i < cp; i++) f32[i] = Math.sin(i * 0.37) * 2;
  const A = (i: number, k: number): number => f32[ap + Math.floor(i / w.mr) * kc * w.mr + k * w.mr + (i % w.mr)]!;
  const B = (k: number, j: number): number => f32[bp + Math.floor(j / w.nr) * kc * w.nr + k * w.nr + (j % w.nr)]!;
  w.gebp(mc, nc, kc, 4 * ap, 4 * bp, 4 * cp, 4 * nc, 0);
  w.gebp(mc, nc, kc, 4 * ap, 4 * bp, 4 * cp, 4 * nc, 1);
  let worst = 0;
  for (let i = 0; i < mc; i++) for (let j = 0; j < nc; j++) {
    let s = 0;
    for (let k = 0; k < kc; k++) s += A(i, k) * B(k, j);
    worst = Math.max(worst, Math.abs(f32[cp + i * nc + j]! - 2 * s) / (1 + Math.abs(2 * s)));
  }
  return worst;
}

describe('WebAssembly GEMM micro-kernel variants', () => {
  it('the plain SIMD kernel (multiply, then add) matches float64 sums', () => {
    const w = buildWasmGemm(undefined, { fma: false })!;
    expect(w.fma).toBe(false);
    expect(gebpError(w)).toBeLessThan(2e-6);
  });

  it('the relaxed-SIMD FMA kernel matches float64 sums where the engine has it (Node 20: behind a flag, run in a child)', () => {
    const here = buildWasmGemm(undefined, { fma: true })!;
    if (here.fma) { expect(gebpError(here)).toBeLessThan(2e-6); return; }
    const r = runBundled(`import { buildWasmGemm } from '$src/kernels/wasm-gemm.ts';
${gebpError.toString()}
const w = buildWasmGemm(undefined, { fma: true })!;
console.log(JSON.stringify({ fma: w.fma, error: gebpError(w) }));`, ['--experimental-wasm-relaxed-simd']);
    const out = JSON.parse(r.stdout) as { fma: boolean; error: number };
    expect(out.fma).toBe(true);
    expect(out.error).toBeLessThan(2e-6);
  });
});
