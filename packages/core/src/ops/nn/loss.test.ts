import { describe, expect, it } from 'vitest';
import * as F from '../../index.js';
import { ShapeError } from '../../errors.js';
import { DEVICES, runFixtures } from './fixtures/harness.js';

runFixtures('loss');

describe.each(DEVICES)('losses on %s', (device) => {
  it('names both shapes on a mismatch', () => {
    const a = F.zeros([3, 4], { device }), b = F.zeros([2, 4], { device });
    expect(() => F.mseLoss(a, b)).toThrow(new ShapeError('mseLoss: input [3,4] and target [2,4] must have the same shape'));
  });
  it('crossEntropy is NaN when every target is ignored (mean)', async () => {
    const logits = F.randn([2, 3], { device }), t = F.tensor([-100, -100], { dtype: 'int64', device });
    expect(Number.isNaN(await F.crossEntropy(logits, t).item())).toBe(true);
  });
});
