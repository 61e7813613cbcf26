// utils: gradient clipping (checked against hand-computed norms) and parameter <-> vector copies.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { memory, scope, tensor } from '@flint/core';
import { Linear, Parameter, clipGradNorm_, clipGradValue_, parametersToVector, utils, vectorToParameters } from './index.js';

const withGrads = (...gs: number[][]) => gs.map((g) => {
  const p = new Parameter(tensor(g.map(() => 0)));
  p.grad = tensor(g);
  return p;
});

describe('clipGradNorm_', () => {
  it('returns the total 2-norm and scales gradients down to maxNorm', () => {
    const ps = withGrads([3, 0], [0, 4]); // total norm 5
    const total = clipGradNorm_(ps, 1);
    expect(total.itemSync()).toBeCloseTo(5, 5);
    expect((ps[0]!.grad!.tolistSync() as number[])[0]).toBeCloseTo(0.6, 5);
    expect((ps[1]!.grad!.tolistSync() as number[])[1]).toBeCloseTo(0.8, 5);
  });
  it('leaves small gradients alone and supports inf and 1 norms', () => {
    const ps = withGrads([0.1, -0.2]);
    expect(clipGradNorm_(ps, 10).itemSync()).toBeCloseTo(Math.sqrt(0.05), 6);
    expect(ps[0]!.grad!.tolistSync()).toEqual([0.1, -0.2].map(Math.fround));
    expect(clipGradNorm_(withGrads([1, -7], [2]), 100, Infinity).itemSync()).toBe(7);
    expect(clipGradNorm_(withGrads([1, -7], [2]), 100, 1).itemSync()).toBe(10);
  });
  it('errorIfNonfinite throws on a NaN or infinite norm', () => {
    expect(() => clipGradNorm_(withGrads([Infinity]), 1, 2, { errorIfNonfinite: true })).toThrow(/non-finite/);
  });
  it('frees its temporaries', () => {
    const ps = withGrads([1, 2, 3]);
    const before = memory().tensors;
    clipGradNorm_(ps, 1).dispose();
    expect(memory().tensors).toBe(before);
  });
});

describe('clipGradValue_ and vectors', () => {
  it('clamps each gradient element', () => {
    const ps = withGrads([-5, 0.5, 5]);
    utils.clipGradValue_(ps, 1);
    expect(ps[0]!.grad!.tolistSync()).toEqual([-1, 0.5, 1]);
    clipGradValue_(ps, 0.25);
    expect(ps[0]!.grad!.tolistSync()).toEqual([-0.25, 0.25, 0.25]);
  });
  it('parametersToVector and vectorToParameters round-trip', () => {
    const a = new Linear(3, 2), b = new Linear(3, 2);
    scope(() => {
      const v = parametersToVector(a.parameters());
      expect(v.shape).toEqual([8]);
      vectorToParameters(v, b.parameters());
      expect(b.weight.tolistSync()).toEqual(a.weight.tolistSync());
      expect(b.bias!.tolistSync()).toEqual(a.bias!.tolistSync());
      expect(() => vectorToParameters(v.narrow(0, 0, 7), b.parameters())).toThrow(/expected a 1-d vector of 8 elements/);
    });
  });
});
