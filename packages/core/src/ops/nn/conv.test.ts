import { describe, expect, it } from 'vitest';
import * as F from '../../index.js';
import { ShapeError } from '../../errors.js';
import { DEVICES, runFixtures } from './fixtures/harness.js';

// conv2d, conv1d and the pooling ops (the shared testkit cases plus core's own)
runFixtures('conv');

describe.each(DEVICES)('conv2d on %s', (device) => {
  it('names the shapes and the fix when channels disagree', () => {
    const x = F.zeros([2, 3, 8, 8], { device }), w = F.zeros([4, 5, 3, 3], { device });
    expect(() => F.conv2d(x, w)).toThrow(new ShapeError('conv2d: input [2,3,8,8] has 3 channels but weight [4,5,3,3] expects 5 (groups=1)'));
  });
  it('backward ops are the adjoints of conv2d: <conv(x), g> = <x, dX(g)> = <w, dW(g)>', async () => {
    const opts = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 } as const;
    const x = F.randn([2, 4, 7, 6], { device }), w = F.randn([6, 2, 3, 2], { device });
    const y = F.conv2d(x, w, null, opts), g = F.randn([...y.shape], { device });
    const lhs = await y.mul(g).sum().item() as number;
    const viaInput = await x.mul(F.conv2dBackwardInput(g, w, x.shape, opts)).sum().item() as number;
    const viaWeight = await w.mul(F.conv2dBackwardWeight(g, x, w.shape, opts)).sum().item() as number;
    expect(viaInput).toBeCloseTo(lhs, 3);
    expect(viaWeight).toBeCloseTo(lhs, 3);
  });
});
