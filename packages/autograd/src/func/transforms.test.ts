// The reverse and forward transforms on small functions with known derivatives, their compositions,
// their errors, and functionalCall's swap-and-restore.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { AutogradError, func } from '../index.js';

const f64 = (d: F.NestedData) => F.tensor(d as never, { dtype: 'float64' });
const close = async (t: F.Tensor | F.Tensor[] | unknown, want: unknown, tol = 1e-9) => {
  const got = await (t as F.Tensor).tolist();
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const [g, w] = [flat(got), flat(want)];
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThanOrEqual(tol + tol * Math.abs(w[i]!)));
};

describe('func.grad', () => {
  it('differentiates the chosen argnums, with aux', async () => {
    const f = (x: F.Tensor, y: F.Tensor) => x.mul(y).sin().sum();
    const x = f64([1, 2]), y = f64([3, -1]);
    const [gx, gy] = func.grad(f, { argnums: [0, 1] })(x, y) as F.Tensor[];
    await close(gx!, [3 * Math.cos(3), -1 * Math.cos(-2)]);
    await close(gy!, [1 * Math.cos(3), 2 * Math.cos(-2)]);
    const [g, aux] = func.grad((a: F.Tensor) => [a.pow(2).sum(), a.mul(10)], { hasAux: true })(x) as [F.Tensor, F.Tensor];
    await close(g, [2, 4]);
    await close(aux, [10, 20]);
    expect(x.requiresGrad).toBe(false);
  });
  it('nests: grad of grad is the second derivative', async () => {
    const d2 = func.grad(func.grad((x: F.Tensor) => x.pow(3).sum()) as (x: F.Tensor) => F.Tensor);
    await close(d2(f64(2)) as F.Tensor, 12);
    // the inner function closes over the outer input
    const mixed = func.grad((x: F.Tensor) => (func.grad((y: F.Tensor) => x.mul(y).mul(y).sum())(f64(3)) as F.Tensor).sum());
    await close(mixed(f64(2)) as F.Tensor, 6);
  });
  it('errors name the transform', () => {
    expect(() => func.grad((x: F.Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/func.grad: the function must return a scalar/);
    expect(() => func.grad((x: F.Tensor) => x.sum(), { argnums: 2 })(f64([1]))).toThrow(AutogradError);
  });
});

describe('func.vjp, jacrev, jvp, jacfwd, hessian', () => {
  const f = (x: F.Tensor) => x.exp().mul(x.sum());
  const x = f64([0.5, -0.3, 1.2]);
  const jac = (xs: number[]) => { const s = xs.reduce((a, b) => a + b); return xs.map((xi, i) => xs.map((_, j) => Math.exp(xi) * ((i === j ? s : 0) + 1))); };
  it('vjp gives vᵀJ and can be called twice', async () => {
    const [out, fn] = func.vjp(f, x);
    await close(out as F.Tensor, [0.5, -0.3, 1.2].map((v) => Math.exp(v) * 1.4));
    const J = jac([0.5, -0.3, 1.2]);
    const v = [1, 2, 3];
    await close(fn(f64(v))[0]!, [0, 1, 2].map((j) => v.reduce((a, vi, i) => a + vi * J[i]![j]!, 0)));
    await close(fn(f64([1, 0, 0]))[0]!, J[0]!);
  });
  it('jacrev and jacfwd agree with the analytic Jacobian', async () => {
    await close(func.jacrev(f)(x) as F.Tensor, jac([0.5, -0.3, 1.2]));
    await close(func.jacfwd(f)(x) as F.Tensor, jac([0.5, -0.3, 1.2]));
  });
  it('jvp gives J·t', async () => {
    const [out, t] = func.jvp(f, [x], [f64([1, 0, 2])]);
    const J = jac([0.5, -0.3, 1.2]);
    await close(out as F.Tensor, [0.5, -0.3, 1.2].map((v) => Math.exp(v) * 1.4));
    await close(t as F.Tensor, J.map((row) => row[0]! + 2 * row[2]!));
  });
  it('hessian, jacfwd(jacrev) and jacrev(jacrev) agree', async () => {
    const g = (x: F.Tensor) => x.pow(2).sum().mul(x.sin().sum());
    const xs = [0.3, -0.7];
    const s2 = xs.reduce((a, v) => a + v * v, 0), ss = xs.reduce((a, v) => a + Math.sin(v), 0);
    const H = xs.map((a, i) => xs.map((b, j) => (i === j ? 2 * ss : 0) + 2 * a * Math.cos(b) + 2 * b * Math.cos(a) - (i === j ? s2 * Math.sin(a) : 0)));
    await close(func.hessian(g)(f64(xs)) as F.Tensor, H);
    await close(func.jacrev(func.jacrev(g))(f64(xs)) as F.Tensor, H);
    await close(func.jacfwd(func.jacfwd(g))(f64(xs)) as F.Tensor, H);
  });
});

describe('vmap inside the other transforms', () => {
  it('grad(vmap), jvp(vmap) and jacrev(vmap) see the batched computation', async () => {
    const xs = F.randn([3, 4], { dtype: 'float64' });
    const g = func.grad((a: F.Tensor) => (func.vmap((r: F.Tensor) => r.sin().sum())(a) as F.Tensor).sum())(xs) as F.Tensor;
    expect(g.sub(xs.cos()).abs().max().itemSync()).toBeLessThan(1e-12);
    const [, t] = func.jvp((a: F.Tensor) => func.vmap((r: F.Tensor) => r.sin())(a) as F.Tensor, [xs], [F.onesLike(xs)]);
    expect((t as F.Tensor).sub(xs.cos()).abs().max().itemSync()).toBeLessThan(1e-12);
    const j = func.jacrev((a: F.Tensor) => func.vmap((r: F.Tensor) => r.exp().sum())(a) as F.Tensor)(xs) as F.Tensor;
    expect(j.shape).toEqual([3, 3, 4]);
    // row i depends on input row i only: exp on the diagonal blocks, 0 elsewhere
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) {
      const block = j.select(0, i).select(0, k);
      const expected = i === k ? xs.select(0, k).exp() : F.zeros([4], { dtype: 'float64' });
      expect(block.sub(expected).abs().max().itemSync()).toBeLessThan(1e-12);
    }
  });
});

describe('func.functionalCall', () => {
  class Lin {
    weight = f64([[1, 2]]);
    bias = f64([0.5]);
    namedModules(): [string, object][] { return [['', this]]; }
    forward(x: F.Tensor) { return x.matmul(this.weight.t()).add(this.bias); }
  }
  it('runs with swapped tensors, restores them even when forward throws', async () => {
    const m = new Lin(), w = m.weight;
    const out = func.functionalCall(m, { weight: f64([[3, 4]]) }, f64([[1, 1]])) as F.Tensor;
    await close(out, [[7.5]]);
    expect(m.weight).toBe(w);
    expect(() => func.functionalCall(m, { weight: f64([[3, 4]]) }, [f64([[1, 1, 1]])])).toThrow();
    expect(m.weight).toBe(w);
    expect(() => func.functionalCall(m, { wieght: f64([[3, 4]]) }, f64([[1, 1]]))).toThrow(/no parameter or buffer 'wieght'/);
    // gradients with respect to the parameters through func.grad
    const g = func.grad((p: F.Tensor) => (func.functionalCall(m, { weight: p }, f64([[1, 2]])) as F.Tensor).sum())(f64([[3, 4]]));
    await close(g as F.Tensor, [[1, 2]]);
  });
});
