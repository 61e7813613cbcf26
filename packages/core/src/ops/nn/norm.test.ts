import { describe, expect, it } from 'vitest';
import * as F from '../../index.js';
import { DEVICES, runFixtures } from './fixtures/harness.js';

runFixtures('norm');

describe.each(DEVICES)('dropout on %s', (device) => {
  it('zeroes about p of the elements and scales the rest by 1/(1-p)', async () => {
    const x = F.ones([100, 100], { device });
    const y = F.dropout(x, 0.3);
    const v = Array.from(await y.data() as Float32Array);
    const zeros = v.filter((e) => e === 0).length;
    expect(zeros / v.length).toBeGreaterThan(0.27);
    expect(zeros / v.length).toBeLessThan(0.33);
    for (const e of v) if (e !== 0) expect(e).toBeCloseTo(1 / 0.7, 6);
  });
  it('is the identity outside training, and keeps dtype', async () => {
    const x = F.randn([3, 4], { device, dtype: 'float64' });
    const y = F.dropout(x, 0.5, false);
    expect(y.dtype).toBe('float64');
    expect(await y.tolist()).toEqual(await x.tolist());
    expect(F.dropout(x, 0.25).dtype).toBe('float64');
  });
});

describe.each(DEVICES)('batchNorm on %s', (device) => {
  it('updates running stats with the unbiased batch variance', async () => {
    const x = F.tensor([[1], [2], [3], [6]], { device });
    const rm = F.zeros([1], { device }), rv = F.ones([1], { device });
    F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    expect(await rm.item()).toBeCloseTo(1.5, 6); // 0.5*0 + 0.5*3
    expect(await rv.item()).toBeCloseTo(0.5 + 0.5 * 14 / 3, 5); // unbiased var of [1,2,3,6] is 14/3
  });
});
