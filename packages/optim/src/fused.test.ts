// The fused 'sgdStep'/'adamStep' kernels against the composite of ops: bit-identical results in every
// float dtype, the in-place version bump, and the fallbacks (no kernel, non-contiguous parameter).
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { Adam, AdamW, SGD } from './index.js';
import type { Optimizer } from './index.js';
import { COMPOSITE, FUSED } from './test-helpers.js';

type Make = (params: F.Tensor[]) => Optimizer<{ lr?: number }>;
const CASES: [string, Make][] = [
  ['SGD plain', (p) => new SGD(p, { lr: 0.1 })],
  ['SGD momentum+dampening+wd', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 })],
  ['SGD nesterov+maximize', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, maximize: true })],
  ['Adam', (p) => new Adam(p, { lr: 0.01 })],
  ['Adam amsgrad+wd+maximize', (p) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1, maximize: true, betas: [0.8, 0.95] })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.01 })],
  ['AdamW amsgrad', (p) => new AdamW(p, { lr: 0.02, amsgrad: true, weightDecay: 0.3, eps: 1e-6 })],
];

/** Run 6 steps with seeded random gradients; return the parameters and state values, flattened. */
function run(device: string, dtype: F.DType, make: Make, opts: { fused?: boolean; transposed?: boolean } = {}): number[][] {
  F.manualSeed(7);
  const base = F.randn([33, 17], { dtype, device });
  const params = [F.keep((opts.transposed ? base.t() : base).requiresGrad_()), F.keep(F.randn([5], { dtype, device }).requiresGrad_())];
  const opt = make(params);
  opt.useFusedKernels = opts.fused ?? true;
  for (let s = 0; s < 6; s++) {
    for (const p of params) { p.grad?.dispose(); p.grad = F.randn([...p.shape], { dtype, device }).mul(s % 2 ? 3 : 0.01); }
    opt.step();
  }
  const out = params.map((p) => Array.from(p.dataSync() as Float64Array));
  for (const st of opt.state.values()) for (const v of Object.values(st)) if (v instanceof F.Tensor) out.push(Array.from(v.dataSync() as Float64Array));
  opt.dispose();
  return out;
}

describe.each(['float32', 'float64', 'float16', 'bfloat16'] as const)('fused kernels (%s)', (dtype) => {
  for (const [name, make] of CASES) {
    it(`${name}: the fused kernel equals the composite bit for bit`, () => {
      const fused = run(FUSED, dtype, make);
      expect(run(COMPOSITE, dtype, make)).toEqual(fused);
      expect(run(FUSED, dtype, make, { fused: false })).toEqual(fused);
      // a non-contiguous parameter falls back to the composite (a strided kernel call would differ)
      expect(run(FUSED, dtype, make, { transposed: true })).toEqual(run(COMPOSITE, dtype, make, { transposed: true }));
    });
  }
});

describe('fused step bookkeeping', () => {
  it('runs the kernel and bumps the storage version of the parameter and its state', () => {
    const p = F.keep(F.ones([4], { device: FUSED }).requiresGrad_());
    p.grad = F.ones([4], { device: FUSED });
    const opt = new Adam([p], { lr: 0.1 });
    const v0 = p.storage.version;
    opt.step();
    expect(p.storage.version).toBe(v0 + 1);
    expect((opt.state.get(p)!.exp_avg as F.Tensor).storage.version).toBe(1);
    // first Adam step moves each weight by lr (m̂/√v̂ = 1, up to eps and float32 rounding)
    for (const v of p.dataSync() as Float32Array) expect(v).toBeCloseTo(0.9, 6);
  });
  it('the composite path bumps versions through its in-place ops', () => {
    const p = F.keep(F.ones([4], { device: COMPOSITE }).requiresGrad_());
    p.grad = F.ones([4], { device: COMPOSITE });
    const v0 = p.storage.version;
    new SGD([p], { lr: 0.5 }).step();
    expect(p.storage.version).toBeGreaterThan(v0);
    expect(Array.from(p.dataSync() as Float32Array)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
