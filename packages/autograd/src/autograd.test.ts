import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { grad, gradcheck, noGrad, enableGrad, isGradEnabled, defineFunction, AutogradError } from '@flint/autograd';

const f64 = (data: F.NestedData, rg = true) => F.tensor(data as never, { dtype: 'float64', requiresGrad: rg });
const vals = async (t: F.Tensor | null) => (t ? (await t.tolist()) : null);

describe('backward basics', () => {
  it('computes gradients of a scalar through a chain', async () => {
    const x = F.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(await vals(x.grad)).toEqual([2, 4, 6]);
    expect(y.gradFn?.name).toBe('SumBackward');
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
  });
  it('accumulates across backward calls and can be zeroed', async () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(await vals(x.grad)).toEqual([6, 6]);
    x.grad = null;
    expect(x.grad).toBeNull();
  });
  it('undoes broadcasting', async () => {
    const a = F.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = F.tensor([10, 20, 30], { requiresGrad: true });
    const s = F.tensor(2, { requiresGrad: true });
    a.add(b).mul(s).sum().backward();
    expect(await vals(b.grad)).toEqual([4, 4, 4]);
    expect(await vals(s.grad)).toBe(21 + 120);
  });
  it('goes through views and reductions', async () => {
    const x = F.arange(6, { dtype: 'float32' }).reshape(2, 3).requiresGrad_();
    const y = x.t().narrow(0, 1, 2).select(1, 0).sum();
    y.backward();
    expect(await vals(x.grad)).toEqual([[0, 1, 1], [0, 0, 0]]);
  });
  it('max with dim routes the gradient to the picked index', async () => {
    const x = F.tensor([[1, 5, 2], [7, 0, 7]], { requiresGrad: true });
    x.max(1).values.sum().backward();
    expect(await vals(x.grad)).toEqual([[0, 1, 0], [1, 0, 0]]);
  });
  it('scalar operands on either side get the right sign', async () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    F.sub(1, x).sum().backward();
    expect(await vals(x.grad)).toEqual([-1, -1]);
  });
});

describe('errors', () => {
  it('backward on a non-scalar needs a gradient', () => {
    const x = F.ones([2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/only for scalar outputs/);
  });
  it('a second backward through a freed graph', () => {
    const x = F.ones([2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time/);
  });
  it('retainGraph allows a second backward', async () => {
    const x = F.ones([2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(await vals(x.grad)).toEqual([4, 4]);
  });
  it('grad of an unused input', () => {
    const x = F.ones([2], { requiresGrad: true }), z = F.ones([2], { requiresGrad: true });
    expect(() => grad(x.sum(), [z])).toThrow(/not used/);
    expect(grad(x.sum(), [z], { allowUnused: true })).toEqual([null]);
  });
  it('in-place change to a saved tensor', () => {
    const x = F.ones([2], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.mul(y);
    noGrad(() => y.add_(1));
    expect(() => z.sum().backward()).toThrow(/modified by an in-place operation/);
  });
  it('in-place on a leaf that requires grad', () => {
    const x = F.ones([2], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/leaf tensor that requires grad/);
    noGrad(() => x.add_(1));
  });
});

describe('in-place ops and views', () => {
  it('in-place on a non-leaf rebases its history', async () => {
    const x = F.tensor([1, 2], { requiresGrad: true }), w = F.tensor([3, 4], { requiresGrad: true });
    const y = x.mul(2);
    y.mul_(w);
    y.sum().backward();
    expect(await vals(x.grad)).toEqual([6, 8]);
    expect(await vals(w.grad)).toEqual([2, 4]);
  });
  it('x.mul_(x) on a non-leaf fails at backward, as in torch', () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.mul_(y);
    expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/);
  });
  it('in-place on a view flows to the base and the source', async () => {
    const x = F.tensor([1, 2, 3], { requiresGrad: true });
    const w = F.tensor([10], { requiresGrad: true });
    const y = x.mul(1);
    y.narrow(0, 1, 1).mul_(w);
    y.mul(F.tensor([1, 2, 3])).sum().backward();
    expect(await vals(x.grad)).toEqual([1, 20, 3]);
    expect(await vals(w.grad)).toEqual([4]);
  });
});

describe('grad mode', () => {
  it('noGrad and enableGrad hold across await', async () => {
    await noGrad(async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(isGradEnabled()).toBe(false);
      const x = F.ones([1], { requiresGrad: true });
      expect(x.mul(2).requiresGrad).toBe(false);
      enableGrad(() => expect(x.mul(2).requiresGrad).toBe(true));
    });
    expect(isGradEnabled()).toBe(true);
  });
  it('detach cuts the graph', () => {
    const x = F.ones([1], { requiresGrad: true });
    expect(x.mul(2).detach().requiresGrad).toBe(false);
  });
});

describe('hooks and retainGrad', () => {
  it('retainGrad keeps a non-leaf gradient; hooks can replace it', async () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.retainGrad();
    y.registerHook((g) => g.mul(10));
    y.sum().backward();
    expect(await vals(y.grad)).toEqual([10, 10]);
    expect(await vals(x.grad)).toEqual([30, 30]);
  });
});

describe('higher order', () => {
  it('Hessian-vector product via createGraph', async () => {
    // f = sum(x^3): H = diag(6x); Hv = 6 x v
    const x = f64([1, 2, 3]);
    const [g] = grad(x.pow(3).sum(), [x], { createGraph: true });
    const v = F.tensor([1, 0.5, -1], { dtype: 'float64' });
    const [hv] = grad(g!.mul(v).sum(), [x]);
    expect(await vals(hv!)).toEqual([6, 6, -18]);
  });
});

describe('custom functions', () => {
  it('forward and backward written by the user compose', async () => {
    const cube = defineFunction({
      name: 'Cube',
      forward(ctx, x) { ctx.saveForBackward(x!); return x!.mul(x!).mul(x!); },
      backward(ctx, g) { const [x] = ctx.savedTensors; return g!.mul(x!.mul(x!).mul(3)); },
    });
    const x = F.tensor([1, 2], { requiresGrad: true });
    (cube(x) as F.Tensor).mul(2).sum().backward();
    expect(await vals(x.grad)).toEqual([6, 24]);
  });
});

describe('gradcheck', () => {
  it('passes on a composite function and reports disagreement', async () => {
    const a = f64([[0.1, -0.4], [0.3, 0.8]]), b = f64([0.5, -1.2]);
    expect((await gradcheck((p, q) => F.softmax(p!.matmul(q!).tanh(), 0).mul(F.tensor([1, 2], { dtype: 'float64' })).sum(), [a, b])).ok).toBe(true);
    const bad = defineFunction({ forward: (_c, x) => x!.mul(2), backward: (_c, g) => g!.mul(3) });
    const r = await gradcheck((p) => bad(p!) as F.Tensor, [f64([1, 2])], { raiseException: false });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/analytic 3, numerical 2/);
  });
});

describe('memory', () => {
  it('1,000 forward/backward steps leave memory unchanged', () => {
    const w = F.randn([8, 4], { requiresGrad: true }), x = F.randn([16, 8]);
    const step = () => F.scope(() => {
      const loss = x.matmul(w).relu().pow(2).mean();
      loss.backward();
      noGrad(() => { w.sub_(w.grad!.mul(0.01)); w.grad!.zero_(); });
    });
    step();
    const before = F.memory();
    for (let i = 0; i < 1000; i++) step();
    const after = F.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
  });
  it('a forward without backward frees its graph when its result is disposed', () => {
    const w = F.randn([4, 4], { requiresGrad: true });
    const before = F.memory();
    const y = F.scope(() => w.exp().mul(w).sum());
    y.dispose();
    expect(F.memory().tensors).toBe(before.tensors);
  });
});
void AutogradError;
