// Leak check: after the first step has made the optimizer's state, 300 more training steps (forward,
// backward, step, zeroGrad, scheduler) leave memory() exactly where it was, on both step paths.
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { Adagrad, Adam, AdamW, RMSprop, SGD, StepLR } from './index.js';
import type { Optimizer } from './index.js';
import { COMPOSITE, FUSED } from './test-helpers.js';

type Make = (params: F.Tensor[]) => Optimizer<{ lr?: number }>;
const MAKERS: [string, Make][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
  ['Adam', (p) => new Adam(p, { amsgrad: true, weightDecay: 1e-4 })],
  ['AdamW', (p) => new AdamW(p, { maximize: false })],
  ['RMSprop', (p) => new RMSprop(p, { centered: true, momentum: 0.5 })],
  ['Adagrad', (p) => new Adagrad(p, { lrDecay: 0.01 })],
];

describe.each([FUSED, COMPOSITE])('no leaks on %s', (device) => {
  for (const [name, make] of MAKERS) {
    it(`${name}: 300 steps leave memory() unchanged`, () => {
      F.manualSeed(1);
      const x = F.keep(F.randn([16, 8], { device }));
      const w = F.keep(F.randn([8, 4], { device }).requiresGrad_());
      const b = F.keep(F.zeros([4], { device }).requiresGrad_());
      const opt = make([w, b]);
      const sched = new StepLR(opt, 50, { gamma: 0.5 });
      const trainStep = (): number => {
        const loss = F.scope(() => {
          const l = x.matmul(w).add(b).tanh().mul(x.narrow(1, 0, 4)).sum();
          l.backward();
          return l.itemSync() as number;
        });
        opt.step();
        opt.zeroGrad();
        sched.step();
        return loss;
      };
      const first = trainStep();
      const before = F.memory().devices[device]!;
      let last = first;
      for (let i = 0; i < 300; i++) last = trainStep();
      const after = F.memory().devices[device]!;
      expect({ tensors: after.tensors, bytes: after.bytes }).toEqual({ tensors: before.tensors, bytes: before.bytes });
      expect(last).not.toBe(first); // it trained
      opt.dispose();
    });
  }
});
