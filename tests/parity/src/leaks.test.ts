// Long training loops leak nothing: after the first step (which creates the optimizer's state), hundreds
// of steps with an optimizer and a scheduler leave memory() exactly where it was, and tearing the run
// down returns it to where it was before the model existed.
import { describe, expect, it } from 'vitest';
import { memory } from '@flint/core';
import { setUp, tearDown, trainStep } from './fixtures.js';
import type { CaseName } from './models.js';

const snapshot = (): { tensors: number; bytes: number } => ({ tensors: memory().tensors, bytes: memory().bytes });

describe('no tensor leaks over a long training loop', () => {
  const cases: [CaseName, number][] = [['mlp_sgd_nesterov', 500], ['gru_rmsprop', 200], ['densenet_adamw', 200]];
  for (const [name, steps] of cases) {
    it(`${name}: ${steps} steps leave memory() unchanged`, () => {
      const start = snapshot();
      const run = setUp(name);
      const first = trainStep(run).loss;
      const before = snapshot();
      let last = first;
      for (let s = 0; s < steps; s++) last = trainStep(run).loss;
      expect(snapshot()).toEqual(before);
      expect(last).toBeLessThan(first); // it trained
      tearDown(run);
      expect(snapshot()).toEqual(start);
    });
  }
});
