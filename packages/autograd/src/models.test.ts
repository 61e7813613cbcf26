// Model-level parity with PyTorch: one backward pass through a small MLP and a small CNN with the
// same weights and inputs, and Hessian-vector products (double backward).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { grad } from '@flint/autograd';

interface T { shape: number[]; data: number[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/models.json', import.meta.url), 'utf8'));
const toT = (t: T, dtype: F.DType = 'float32') => F.tensor(t.data, { dtype }).reshape(t.shape);
const maxDiff = async (a: F.Tensor, b: F.Tensor) => (await a.sub(b).abs().max().item()) as number;

async function expectGrads(params: F.Tensor[], expected: T[], tol: number): Promise<void> {
  for (let i = 0; i < params.length; i++) {
    const d = await maxDiff(params[i]!.grad!, toT(expected[i]!));
    expect(d, `grad of parameter ${i}`).toBeLessThan(tol);
  }
}

describe('gradients equal PyTorch after one backward pass', () => {
  it('MLP: linear -> gelu -> linear -> cross-entropy', async () => {
    const m = fx.mlp;
    const [w1, b1, w2, b2] = (m.params as T[]).map((p) => toT(p).requiresGrad_());
    const loss = F.crossEntropy(F.linear(F.gelu(F.linear(toT(m.x), w1!, b1)), w2!, b2), F.tensor(m.y, { dtype: 'int64' }));
    expect(await loss.item()).toBeCloseTo(m.loss, 5);
    loss.backward();
    await expectGrads([w1!, b1!, w2!, b2!], m.grads, 1e-5);
  });
  it('CNN: conv -> batchNorm -> relu -> maxPool -> linear -> cross-entropy', async () => {
    const m = fx.cnn;
    const [cw, cb, bw, bb, lw, lb] = (m.params as T[]).map((p) => toT(p).requiresGrad_());
    let h = F.conv2d(toT(m.x), cw!, cb, { padding: 1 });
    h = F.batchNorm(h, null, null, { weight: bw, bias: bb, training: true });
    h = F.maxPool2d(F.relu(h), 2);
    const loss = F.crossEntropy(F.linear(h.flatten(1), lw!, lb), F.tensor(m.y, { dtype: 'int64' }));
    expect(await loss.item()).toBeCloseTo(m.loss, 5);
    loss.backward();
    await expectGrads([cw!, cb!, bw!, bb!, lw!, lb!], m.grads, 1e-4);
  });
});

describe('Hessian-vector products equal PyTorch', () => {
  const h = fx.hvp;
  const w = toT(h.w, 'float64'), v = F.tensor(h.v, { dtype: 'float64' });
  const fns: Record<string, (x: F.Tensor) => F.Tensor> = {
    tanh_quadratic: (x) => w.matmul(x).tanh().pow(2).sum(),
    logsumexp_softplus: (x) => F.softplus(w.matmul(x)).mul(x).logsumexp(0),
    sigmoid_prod: (x) => x.sigmoid().mul(w.matmul(x)).sum(),
  };
  for (const c of h.cases as { name: string; hv: number[] }[]) {
    it(c.name, async () => {
      const x = F.tensor(h.x, { dtype: 'float64', requiresGrad: true });
      const [g] = grad(fns[c.name]!(x), [x], { createGraph: true });
      const [hv] = grad(g!.mul(v).sum(), [x]);
      const got = Array.from(await hv!.data<Float64Array>());
      got.forEach((val, i) => expect(val).toBeCloseTo(c.hv[i]!, 10));
    });
  }
});
