import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import '@flint/backend-cpu';
import { AutogradError, grad, reachableLeaves, registerPostAccumulateGradHook } from './index.js';

describe('registerPostAccumulateGradHook', () => {
  it('runs after each accumulation with the leaf, whose .grad holds the sum so far', async () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const remove = registerPostAccumulateGradHook(x, (leaf) => { expect(leaf).toBe(x); seen.push(leaf.grad!.tolistSync() as number[]); });
    // x is used twice: its two gradients are summed before one accumulation, so the hook runs once per backward
    x.mul(3).add(x.mul(x)).sum().backward();
    x.mul(3).sum().backward();
    remove();
    x.sum().backward();
    expect(seen).toEqual([[5, 7], [8, 10]]);
    expect(x.grad!.tolistSync()).toEqual([9, 11]);
  });

  it('runs in the order backward reaches the leaves (last layer first)', () => {
    const w1 = F.tensor([2], { requiresGrad: true }), w2 = F.tensor([3], { requiresGrad: true });
    const order: string[] = [];
    registerPostAccumulateGradHook(w1, () => order.push('w1'));
    registerPostAccumulateGradHook(w2, () => order.push('w2'));
    F.tensor([1]).mul(w1).relu().mul(w2).sum().backward();
    expect(order).toEqual(['w2', 'w1']);
  });

  it('grad() does not accumulate, so the hook does not run', () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    let calls = 0;
    registerPostAccumulateGradHook(x, () => { calls++; });
    const [g] = grad(x.mul(2).sum(), [x]);
    expect(g!.tolistSync()).toEqual([2, 2]);
    expect(calls).toBe(0);
  });

  it('is an AutogradError on a non-leaf or a tensor without grad', () => {
    const x = F.tensor([1], { requiresGrad: true });
    expect(() => registerPostAccumulateGradHook(x.mul(2), () => undefined)).toThrow("registerPostAccumulateGradHook: only leaf tensors that require grad accumulate gradients, got a result of 'MulBackward'");
    expect(() => registerPostAccumulateGradHook(F.tensor([1]), () => undefined)).toThrow(AutogradError);
  });
});

describe('reachableLeaves', () => {
  it('lists the leaves a backward from the outputs would reach', () => {
    const a = F.tensor([1], { requiresGrad: true }), b = F.tensor([2], { requiresGrad: true }), unused = F.tensor([3], { requiresGrad: true });
    const y = a.mul(b).add(a);
    expect(reachableLeaves(y)).toEqual(new Set([a, b]));
    expect(reachableLeaves([y, unused.mul(1)]).has(unused)).toBe(true);
    expect(reachableLeaves(F.tensor([1])).size).toBe(0);
  });
});
