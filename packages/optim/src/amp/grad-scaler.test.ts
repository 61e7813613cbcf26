// GradScaler against torch.cuda.amp.GradScaler's algorithm (fixtures/amp.json, tooling/amp/gen_amp.py: torch
// 1.13 has no CPU kernels for it, so the script replays its two CUDA kernels in float32 tensor ops): the
// scale after each update, skipped steps on inf/NaN gradients, the parameters, and the growth tracker.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { backward } from '@flint/autograd';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import { GradScaler, OptimizerError, SGD } from '../index.js';

interface Step { grad: (number | string)[]; skipped: boolean; param: number[]; scale: number; growthTracker: number }
const fix = (JSON.parse(readFileSync(new URL('../../fixtures/amp.json', import.meta.url), 'utf8')) as {
  gradScaler: { init: { initScale: number; growthFactor: number; backoffFactor: number; growthInterval: number }; lr: number; param0: number[]; steps: Step[] };
}).gradScaler;
const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

describe('GradScaler follows torch.cuda.amp.GradScaler', () => {
  it(`scale, skipped steps, parameters and growth tracker over ${fix.steps.length} steps`, () => {
    const p = F.tensor(fix.param0).requiresGrad_();
    const opt = new SGD([p], { lr: fix.lr });
    const scaler = new GradScaler(fix.init);
    for (const [i, s] of fix.steps.entries()) {
      opt.zeroGrad();
      // d(sum(p · g))/dp = g, so the scaled backward leaves g · scale in p.grad
      const loss = F.sum(F.mul(p.detach().mul(0).add(p), F.tensor(s.grad.map(num))));
      backward(scaler.scale(loss));
      const before = Array.from(p.dataSync() as Float32Array);
      scaler.step(opt);
      scaler.update();
      const after = Array.from(p.dataSync() as Float32Array);
      if (s.skipped) expect(after, `step ${i} skipped`).toEqual(before);
      after.forEach((v, j) => expect(v, `step ${i} param ${j}`).toBeCloseTo(s.param[j]!, 6));
      expect(scaler.getScale(), `step ${i} scale`).toBe(s.scale);
      expect(scaler.stateDict()._growth_tracker, `step ${i} tracker`).toBe(s.growthTracker);
    }
  });

  it('unscale_ before step lets gradients be clipped at their true size, and is not repeated by step', () => {
    const p = F.tensor([1, 2]).requiresGrad_();
    const opt = new SGD([p], { lr: 1 }), scaler = new GradScaler({ initScale: 1024 });
    backward(scaler.scale(F.sum(F.mul(p, F.tensor([0.5, -0.25])))));
    expect(Array.from(p.grad!.dataSync() as Float32Array)).toEqual([512, -256]);
    scaler.unscale_(opt);
    expect(Array.from(p.grad!.dataSync() as Float32Array)).toEqual([0.5, -0.25]);
    expect(() => scaler.unscale_(opt)).toThrow(new OptimizerError('GradScaler.unscale_: unscale_() has already been called on this optimizer since the last update()'));
    scaler.step(opt);
    expect(Array.from(p.dataSync() as Float32Array)).toEqual([0.5, 2.25]);
    expect(() => scaler.step(opt)).toThrow(/step\(\) has already been called since the last update\(\)/);
    scaler.update();
    expect(scaler.getScale()).toBe(1024);
  });

  it('stateDict/loadStateDict round-trip with torch\'s keys; update(newScale) sets the scale', () => {
    const a = new GradScaler({ initScale: 8, growthInterval: 5 });
    a.update(3);
    const sd = a.stateDict();
    expect(sd).toEqual({ scale: 3, growth_factor: 2, backoff_factor: 0.5, growth_interval: 5, _growth_tracker: 0 });
    const b = new GradScaler();
    b.loadStateDict({ ...sd, _growth_tracker: 2 } as never);
    expect(b.getScale()).toBe(3);
    expect(b.getGrowthInterval()).toBe(5);
    expect(b.stateDict()).toMatchObject({ _growth_tracker: 2 });
    expect(() => b.loadStateDict({})).toThrow(/state dict is empty/);
  });

  it('disabled: a pass-through (scale 1, plain steps, empty state)', () => {
    const p = F.tensor([1]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.5 }), scaler = new GradScaler({ enabled: false });
    const loss = F.sum(F.mul(p, 2));
    expect(scaler.scale(loss)).toBe(loss);
    backward(loss);
    scaler.step(opt);
    scaler.update();
    expect(p.itemSync()).toBe(0);
    expect(scaler.getScale()).toBe(1);
    expect(scaler.stateDict()).toEqual({});
  });

  it('checks its options and its call order', () => {
    expect(() => new GradScaler({ growthFactor: 1 })).toThrow(new OptimizerError('GradScaler: growthFactor must be > 1, got 1'));
    expect(() => new GradScaler({ backoffFactor: 1.5 })).toThrow(/backoffFactor must be in \(0, 1\)/);
    expect(() => new GradScaler({ growthInterval: 0.5 })).toThrow(/growthInterval must be a positive integer/);
    expect(() => new GradScaler({ init_scale: 2 } as never)).toThrow(/did you mean 'initScale'/);
    const p = F.tensor([1]).requiresGrad_();
    const scaler = new GradScaler();
    expect(() => scaler.step(new SGD([p], { lr: 1 }))).toThrow(/no inf checks were recorded for this optimizer/);
    expect(() => new GradScaler().update()).toThrow(/no inf checks were recorded prior to update\(\)/);
  });

  it('float16 autocast on the mock GPU: scaled backward through the casts gives float32 gradients, stepAsync updates', async () => {
    const dev = registerMockGpu({ name: 'mockgpu-amp-train' });
    F.manualSeed(4);
    const w = F.randn([3, 5], { device: dev }).requiresGrad_(), b = F.zeros([3], { device: dev }).requiresGrad_();
    const x = F.randn([8, 5], { device: dev }), y = F.tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int64', device: dev });
    const opt = new SGD([w, b], { lr: 0.1 }), scaler = new GradScaler();
    const w0 = Array.from((await w.data()) as Float32Array);
    const loss = F.autocast(dev, {}, () => F.crossEntropy(F.linear(x, w, b), y));
    expect(loss.dtype).toBe('float32');
    backward(scaler.scale(loss));
    expect([w.grad!.dtype, b.grad!.dtype]).toEqual(['float32', 'float32']);
    // the same gradient without autocast, up to float16 rounding of the forward pass
    const ref = F.tensor(w0, { device: dev }).reshape([3, 5]).requiresGrad_();
    backward(F.crossEntropy(F.linear(x, ref, b.detach()), y));
    const g = (await w.grad!.data()) as Float32Array, gr = (await ref.grad!.data()) as Float32Array;
    g.forEach((v, i) => expect(Math.abs(v / 65536 - gr[i]!)).toBeLessThan(5e-3));
    await scaler.stepAsync(opt);
    scaler.update();
    const w1 = (await w.data()) as Float32Array;
    w1.forEach((v, i) => expect(v).toBeCloseTo(w0[i]! - 0.1 * gr[i]!, 2));
  });

  it('on an asynchronous device, step() says to await stepAsync(), which works', async () => {
    const dev = registerMockGpu({ name: 'mockgpu-scaler' });
    const p = F.tensor([1, 2], { device: dev }).requiresGrad_();
    const opt = new SGD([p], { lr: 1 }), scaler = new GradScaler({ initScale: 4 });
    backward(scaler.scale(F.sum(F.mul(p, F.tensor([Infinity, 1], { device: dev })))));
    expect(() => scaler.step(opt)).toThrow(new OptimizerError("GradScaler.step: device 'mockgpu-scaler' reads asynchronously; use await scaler.stepAsync(optimizer)"));
    expect(Array.from((await p.grad!.data()) as Float32Array)).toEqual([Infinity, 4]); // untouched by the refusal
    await scaler.stepAsync(opt);
    scaler.update();
    expect(Array.from((await p.data()) as Float32Array)).toEqual([1, 2]);
    expect(scaler.getScale()).toBe(2);
  });
});
