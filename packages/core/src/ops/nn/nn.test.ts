// The nn ops' own errors: what each says when its arguments don't fit. (Values, gradients and error
// classes on every backend are the testkit's conv, norm, loss and rnn families and its extra checks.)
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '../../index.js';
import { ShapeError } from '../../errors.js';

describe('nn op errors name the shapes and the fix', () => {
  it('conv2d: channels that disagree', () => {
    const x = F.zeros([2, 3, 8, 8]), w = F.zeros([4, 5, 3, 3]);
    expect(() => F.conv2d(x, w)).toThrow(new ShapeError('conv2d: input [2,3,8,8] has 3 channels but weight [4,5,3,3] expects 5 (groups=1)'));
  });
  it('pooling: padding beyond half the kernel, as torch refuses it', () => {
    expect(() => F.avgPool2d(F.zeros([1, 1, 6, 6]), 2, { padding: 2 })).toThrow(/avgPool2d: padding \[2,2\] must be at most half the kernel size \[2,2\]/);
  });
  it('losses: both shapes on a mismatch', () => {
    expect(() => F.mseLoss(F.zeros([3, 4]), F.zeros([2, 4]))).toThrow(new ShapeError('mseLoss: input [3,4] and target [2,4] must have the same shape'));
  });
  it('recurrent cells: the argument and the shape it must have', () => {
    const B = 2, H = 3, h = F.zeros([B, H]);
    expect(() => F.gruCell(F.zeros([B, 3 * H]), F.zeros([B, 2 * H]), h)).toThrow(/gruCell: hGates \[2,6\] must have shape \[2,9\]/);
    expect(() => F.gruCell(F.zeros([B, 3 * H]), F.zeros([B, 3 * H]), h, F.zeros([H]))).toThrow(/gruCell: hBias \[3\] must have shape \[9\]/);
    const g = F.zeros([B, 4 * H]);
    expect(() => F.lstmCell(g, g, F.zeros([B, H], { dtype: 'float64' }))).toThrow(F.DTypeError);
    expect(() => F.lstmCell(g, g, F.zeros([H]))).toThrow(/lstmCell: expected c of shape \[B,H\]/);
  });
});
