// Freeing deep graphs: a chain of a million recorded ops is let go of without recursion, whether its last
// tensor is disposed or the scope that made it closes.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import '@flint/autograd';

describe('deep graphs', () => {
  it('dispose() frees a 1,000,000-op chain without overflowing the stack', () => {
    const x = F.tensor([1]).requiresGrad_();
    const start = F.memory().tensors;
    let y = x.mul(1);
    // the usual loop: each step keeps only its latest result, the graph keeps the history
    for (let i = 0; i < 1_000_000; i++) { const next = y.add(1); y.dispose(); y = next; }
    expect(y.gradFn?.name).toBe('AddBackward');
    y.dispose();
    expect(F.memory().tensors).toBe(start);
    x.dispose();
  }, 120_000);

  it('closing a scope frees a 200,000-op chain, and backward still works through a deep one', () => {
    const x = F.tensor([2]).requiresGrad_();
    const start = F.memory().tensors;
    F.scope(() => {
      let y = x;
      for (let i = 0; i < 200_000; i++) y = y.mul(1);
      y.sum().backward();
    });
    expect(F.memory().tensors).toBe(start + 1); // x's gradient
    expect(x.grad!.dataSync()[0]).toBe(1);
    x.grad = null;
    x.dispose();
  }, 120_000);
});

describe('what backward and .grad keep alive', () => {
  it('backward() without a gradient leaves no seed tensor behind', () => {
    const x = F.tensor([1, 2]).requiresGrad_();
    const before = F.memory().tensors;
    F.scope(() => x.mul(3).sum().backward());
    expect(F.memory().tensors).toBe(before + 1); // x.grad
    x.grad = null;
    expect(F.memory().tensors).toBe(before); // setting null frees the old gradient
    x.dispose();
  });
  it('assigning a new gradient frees the old one (it belongs to the tensor)', () => {
    const x = F.tensor([1, 2]).requiresGrad_();
    x.grad = F.ones([2]);
    const old = x.grad;
    x.grad = F.zeros([2]);
    expect(old!.isDisposed).toBe(true);
    x.grad = x.grad; // the same tensor again is kept
    expect(x.grad!.isDisposed).toBe(false);
    x.grad = null;
    x.dispose();
  });
});

describe('gradFn, and printing results as torch does', () => {
  it('is a small public object: a name and where each input\'s gradient goes next', () => {
    const x = F.tensor([1, 2]).requiresGrad_(), w = F.tensor([3, 4]);
    const y = x.mul(w).add(1);
    expect(y.gradFn!.name).toBe('AddBackward');
    expect(y.gradFn!.nextFunctions.map((f) => f?.name ?? null)).toEqual(['MulBackward']);
    expect(y.gradFn!.nextFunctions[0]!.nextFunctions.map((f) => f?.name ?? null)).toEqual(['AccumulateGrad', null]);
    expect(Object.keys(y.gradFn!)).toEqual(['name', 'nextFunctions']);
    expect(String(y)).toBe('tensor([4., 9.], grad_fn=<AddBackward0>)');
    expect(String(x)).toBe('tensor([1., 2.], requires_grad=True)');
    expect(x.gradFn).toBeNull();
  });
});
