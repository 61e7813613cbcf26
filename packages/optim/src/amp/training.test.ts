// Training under torch.autocast('cpu', dtype=torch.bfloat16) reproduces torch 1.13's losses: an MLP with SGD
// (momentum), a small CNN with Adam and one with BatchNorm, 20 steps each from the same initial weights
// (fixtures/amp.json, tooling/amp/gen_amp.py). Parameters and gradients stay float32; the forward is bfloat16.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import type { DType, Tensor } from '@flint/core';
import { backward } from '@flint/autograd';
import { Adam, SGD } from '../index.js';
import type { Optimizer } from '../index.js';

interface Spec { shape: number[]; dtype: DType; data: (number | string)[] }
interface Run { init: Record<string, Spec>; x: Spec; y: Spec; ampLosses: number[]; f32Losses: number[] }
const fix = (JSON.parse(readFileSync(new URL('../../fixtures/amp.json', import.meta.url), 'utf8')) as { training: { mlp: Run; cnn: Run; cnnBatchNorm: Run } }).training;

const make = (s: Spec): Tensor => (s.dtype === 'int64'
  ? F.tensor(s.data.map((v) => BigInt(v)), { dtype: 'int64' })
  : F.tensor(s.data.map(Number))).reshape(s.shape);

type Model = (x: Tensor, p: Record<string, Tensor>) => Tensor;
// torch.nn.Sequential(Linear(20, 32), ReLU(), Linear(32, 5))
const mlp: Model = (x, p) => F.linear(F.relu(F.linear(x, p['0.weight']!, p['0.bias'])), p['2.weight']!, p['2.bias']);
// torch.nn.Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(64, 3))
const cnn: Model = (x, p) => {
  const h = F.maxPool2d(F.relu(F.conv2d(x, p['0.weight']!, p['0.bias'], { padding: 1 })), 2) as Tensor;
  return F.linear(h.reshape([h.shape[0]!, -1]), p['4.weight']!, p['4.bias']);
};
// torch.nn.Sequential(Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2), Flatten(), Linear(64, 3)), training mode:
// the conv gives bfloat16, BatchNorm2d's statistics and affine parameters stay float32 (torch's mixed-type batch_norm)
const cnnBn: Model = (x, p) => {
  const c = F.conv2d(x, p['0.weight']!, p['0.bias'], { padding: 1 });
  const n = F.batchNorm(c, p['1.running_mean']!, p['1.running_var']!, { weight: p['1.weight'], bias: p['1.bias'], training: true });
  const h = F.maxPool2d(F.relu(n), 2) as Tensor;
  return F.linear(h.reshape([h.shape[0]!, -1]), p['5.weight']!, p['5.bias']);
};

function train(run: Run, model: Model, opt: (ps: Tensor[]) => Optimizer<{ lr?: number }>, amp: boolean): { losses: number[]; dtypes: string[] } {
  // running statistics are buffers: no gradient, not optimized
  const buffer = (k: string) => k.includes('running_');
  const params = Object.fromEntries(Object.entries(run.init).map(([k, s]) => [k, buffer(k) ? make(s) : make(s).requiresGrad_()]));
  const trained = Object.entries(params).filter(([k]) => !buffer(k)).map(([, p]) => p);
  const o = opt(trained);
  const x = make(run.x), y = make(run.y);
  const losses: number[] = [];
  let dtypes: string[] = [];
  for (let i = 0; i < run.ampLosses.length; i++) {
    F.scope(() => {
      o.zeroGrad();
      const loss = F.autocast('cpu', { dtype: 'bfloat16', enabled: amp }, () => F.crossEntropy(model(x, params), y));
      backward(loss);
      o.step();
      losses.push(loss.itemSync());
      dtypes = [loss.dtype, ...trained.flatMap((p) => [p.dtype, p.grad!.dtype]), ...Object.values(params).map((p) => p.dtype)];
    });
  }
  return { losses, dtypes };
}

// bfloat16 keeps 8 bits: a loss computed from bf16 activations differs from torch's by rounding of that
// order (torch 1.13's small bf16 GEMMs also round after each multiply-add; Flint's accumulate in float32)
const TOL = 2 ** -7;

describe("training under autocast('cpu', bfloat16) matches torch 1.13", () => {
  for (const [name, model, opt] of [
    ['MLP + SGD(momentum 0.9)', mlp, (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })],
    ['CNN + Adam', cnn, (ps: Tensor[]) => new Adam(ps, { lr: 0.01 })],
    ['CNN with BatchNorm + SGD(momentum 0.9)', cnnBn, (ps: Tensor[]) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
  ] as const) {
    const run = name.startsWith('MLP') ? fix.mlp : name.includes('BatchNorm') ? fix.cnnBatchNorm : fix.cnn;
    it(`${name}: ${run.ampLosses.length} losses within bf16 tolerance; float32 parameters and gradients`, () => {
      const { losses, dtypes } = train(run, model, opt, true);
      const diffs = losses.map((l, i) => Math.abs(l - run.ampLosses[i]!) / Math.max(1, Math.abs(run.ampLosses[i]!)));
      console.log(`${name}: max |loss - torch bf16 loss| (relative) over ${losses.length} steps: ${Math.max(...diffs).toExponential(2)}; per step: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
      diffs.forEach((d, i) => expect(d, `step ${i}: ${losses[i]} vs torch ${run.ampLosses[i]}`).toBeLessThanOrEqual(TOL));
      expect(new Set(dtypes)).toEqual(new Set(['float32']));
      // and it is bf16 arithmetic: the float32 run matches torch's float32 losses much more closely
      const f32 = train(run, model, opt, false).losses;
      f32.forEach((l, i) => expect(Math.abs(l - run.f32Losses[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(l))));
      expect(losses.some((l, i) => Math.abs(l - f32[i]!) > 1e-4)).toBe(true);
    });
  }
});
