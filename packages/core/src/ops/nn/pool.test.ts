import { describe, expect, it } from 'vitest';
import * as F from '../../index.js';
import { ShapeError } from '../../errors.js';
import { DEVICES } from './fixtures/harness.js';

// value checks against torch for the pooling ops live in fixtures/conv.json (run by conv.test.ts)
describe.each(DEVICES)('pooling on %s', (device) => {
  it('maxPool2dBackward routes each gradient to its window maximum', async () => {
    const x = F.tensor([[[[1, 5, 2, 0], [3, 4, 8, 1]]]], { device });
    const { values, indices } = F.maxPool2d(x, 2, { returnIndices: true });
    expect(await values.tolist()).toEqual([[[[5, 8]]]]);
    expect(await indices.tolist()).toEqual([[[[1, 6]]]]);
    const gx = F.maxPool2dBackward(F.tensor([[[[10, 20]]]], { device }), indices, x.shape);
    expect(await gx.tolist()).toEqual([[[[0, 10, 0, 0], [0, 0, 20, 0]]]]);
  });
  it("rejects padding beyond half the kernel, as torch does", () => {
    expect(() => F.avgPool2d(F.zeros([1, 1, 6, 6], { device }), 2, { padding: 2 })).toThrow(ShapeError);
  });
});
