// The transforms on the testkit's asynchronous GPU-shaped mock: per-sample CNN gradients through
// vmap(grad(functionalCall)), hessian and jvp, against torch's numbers (float32 fixtures).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import { func } from '../index.js';

interface Enc { shape: number[]; data: number[] }
const fx = JSON.parse(readFileSync(new URL('../../fixtures/func.json', import.meta.url), 'utf8')).float32 as {
  inputs: Record<string, Enc>; results: Record<string, Enc[]>;
  cnn: { params: Record<string, Enc>; images: Enc; labels: number[]; perSampleGrads: Record<string, Enc> };
};

describe('func on the mock GPU', () => {
  const gpu = registerMockGpu({ name: 'mockgpu-func' });
  const t = (e: Enc) => F.tensor(e.data, { dtype: 'float32', device: gpu }).reshape(e.shape);
  const expectClose = async (got: Tensor, want: Enc) => {
    expect(got.device).toBe(gpu);
    expect(got.shape).toEqual(want.shape);
    const g = await got.contiguous().reshape(-1).data();
    want.data.forEach((w, i) => expect(Math.abs(g[i] as number - w)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(w)));
  };

  it('per-sample gradients of a small CNN, hessian and jvp match torch', async () => {
    const model = {
      conv: { weight: t(fx.cnn.params['conv.weight']!), bias: t(fx.cnn.params['conv.bias']!) },
      fc: { weight: t(fx.cnn.params['fc.weight']!), bias: t(fx.cnn.params['fc.bias']!) },
      namedModules(): [string, object][] { return [['', this], ['conv', this.conv], ['fc', this.fc]]; },
      forward(x: Tensor): Tensor { return F.linear(F.relu(F.conv2d(x, this.conv.weight, this.conv.bias, { padding: 1 })).flatten(1), this.fc.weight, this.fc.bias); },
    };
    const params = Object.fromEntries(Object.entries(fx.cnn.params).map(([k, e]) => [k, t(e)]));
    const labels = F.tensor(fx.cnn.labels, { dtype: 'int64', device: gpu });
    const loss = (p: Record<string, Tensor>, img: Tensor, label: Tensor) =>
      F.crossEntropy(func.functionalCall(model, p, [img.unsqueeze(0)]) as Tensor, label.unsqueeze(0));
    const per = func.vmap(func.grad(loss), { inDims: [null, 0, 0] })(params, t(fx.cnn.images), labels) as Record<string, Tensor>;
    for (const [k, e] of Object.entries(fx.cnn.perSampleGrads)) await expectClose(per[k]!, e);

    const scalar = (x: Tensor) => x.sin().mul(x.exp()).sum().add(x.mul(x).sum().sqrt());
    await expectClose(func.hessian(scalar)(t(fx.inputs.s!)) as Tensor, fx.results.hessian_scalar![0]!);
    const mlp = (x: Tensor, w: Tensor, b: Tensor) => x.matmul(w).add(b).tanh();
    const [, tan] = func.jvp(mlp, [t(fx.inputs.x!), t(fx.inputs.w!), t(fx.inputs.b!)], [t(fx.inputs.u!), t(fx.inputs.tw!), t(fx.inputs.tb!)]);
    await expectClose(tan as Tensor, fx.results.jvp_mlp![1]!);
  });
});
