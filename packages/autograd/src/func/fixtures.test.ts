// The transforms against torch 1.13's functorch (fixtures from tooling/func/gen_func.py), in float32 and
// float64: grad, vjp, jvp (also by finite differences), jacrev, jacfwd, hessian, vmap and compositions,
// and per-sample gradients of a small CNN through vmap(grad(functionalCall(...))).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { func } from '../index.js';

interface Enc { shape: number[]; data: number[] }
interface Fixture {
  inputs: Record<string, Enc>;
  results: Record<string, Enc[]>;
  cnn: { params: Record<string, Enc>; images: Enc; labels: number[]; perSampleGrads: Record<string, Enc>; losses: Enc };
}
const fx = JSON.parse(readFileSync(new URL('../../fixtures/func.json', import.meta.url), 'utf8')) as Record<'float32' | 'float64', Fixture>;

// the functions of gen_func.py
const mlp = (x: Tensor, w: Tensor, b: Tensor) => x.matmul(w).add(b).tanh();
const scalar = (x: Tensor) => x.sin().mul(x.exp()).sum().add(x.mul(x).sum().sqrt());
const rows = (x: Tensor) => F.softmax(x, -1).mul(F.logsumexp(x, -1, true));

class SmallCNN {
  conv = { weight: null as unknown as Tensor, bias: null as unknown as Tensor };
  fc = { weight: null as unknown as Tensor, bias: null as unknown as Tensor };
  namedModules(): [string, object][] { return [['', this], ['conv', this.conv], ['fc', this.fc]]; }
  forward(x: Tensor): Tensor {
    return F.linear(F.relu(F.conv2d(x, this.conv.weight, this.conv.bias, { padding: 1 })).flatten(1), this.fc.weight, this.fc.bias);
  }
}

/** Largest differences seen per dtype, for the report. */
const worst: Record<string, { abs: number; rel: number; where: string }> = {};
const TOL = { float32: { rtol: 1e-5, atol: 1e-6 }, float64: { rtol: 1e-10, atol: 1e-12 } } as const;

for (const dtype of ['float32', 'float64'] as const) {
  const f = fx[dtype];
  const t = (e: Enc) => F.tensor(e.data, { dtype }).reshape(e.shape);
  const I = Object.fromEntries(Object.entries(f.inputs).map(([k, e]) => [k, t(e)])) as Record<string, Tensor>;
  const check = (name: string, got: Tensor, want: Enc) => {
    expect(got.shape, name).toEqual(want.shape);
    const g = got.to('float64').contiguous().reshape(-1).dataSync() as Float64Array;
    const { rtol, atol } = TOL[dtype];
    let abs = 0, rel = 0;
    want.data.forEach((w, i) => {
      const d = Math.abs(g[i]! - w);
      abs = Math.max(abs, d);
      rel = Math.max(rel, d / Math.max(Math.abs(w), 1e-30));
      if (!(d <= atol + rtol * Math.abs(w))) expect.fail(`${dtype} ${name}[${i}]: got ${g[i]}, torch ${w}`);
    });
    const cur = worst[dtype] ?? { abs: 0, rel: 0, where: '' };
    if (abs > cur.abs) worst[dtype] = { abs, rel: Math.max(rel, cur.rel), where: name };
    else worst[dtype] = { ...cur, rel: Math.max(rel, cur.rel) };
  };
  const R = f.results;

  describe(`func vs torch.func (${dtype})`, () => {
    it('vjp and jvp of a tanh layer', () => {
      const [out, fn] = func.vjp(mlp, [I.x!, I.w!, I.b!]);
      check('vjp output', out as Tensor, R.vjp_mlp![0]!);
      fn(I.v!).forEach((g, i) => check(`vjp grad ${i}`, g, R.vjp_mlp![i + 1]!));
      const [p, tan] = func.jvp(mlp, [I.x!, I.w!, I.b!], [I.u!, I.tw!, I.tb!]);
      check('jvp primal', p as Tensor, R.jvp_mlp![0]!);
      check('jvp tangent', tan as Tensor, R.jvp_mlp![1]!);
      if (dtype === 'float64') {
        // and by central differences
        const h = 1e-6;
        const at = (s: number) => mlp(I.x!.add(I.u!.mul(s)), I.w!.add(I.tw!.mul(s)), I.b!.add(I.tb!.mul(s)));
        const fd = at(h).sub(at(-h)).div(2 * h).dataSync() as Float64Array;
        (tan as Tensor).dataSync().forEach((v, i) => expect(Math.abs(Number(v) - fd[i]!)).toBeLessThan(1e-8));
      }
    });
    it('jacrev and jacfwd over two argnums', () => {
      (func.jacrev(mlp, { argnums: [0, 1] })(I.x!, I.w!, I.b!) as Tensor[]).forEach((j, i) => check(`jacrev ${i}`, j, R.jacrev_mlp![i]!));
      (func.jacfwd(mlp, { argnums: [0, 1] })(I.x!, I.w!, I.b!) as Tensor[]).forEach((j, i) => check(`jacfwd ${i}`, j, R.jacfwd_mlp![i]!));
      check('jacrev rows', func.jacrev(rows)(I.m!) as Tensor, R.jacrev_rows![0]!);
      check('jacfwd rows', func.jacfwd(rows)(I.m!) as Tensor, R.jacfwd_rows![0]!);
    });
    it('grad, hessian and jacfwd(jacrev)', () => {
      check('grad', func.grad(scalar)(I.s!) as Tensor, R.grad_scalar![0]!);
      check('hessian', func.hessian(scalar)(I.s!) as Tensor, R.hessian_scalar![0]!);
      check('jacfwd(jacrev)', func.jacfwd(func.jacrev(scalar))(I.s!) as Tensor, R.jacfwd_jacrev_scalar![0]!);
    });
    it('vmap and its compositions', () => {
      check('vmap(grad)', func.vmap(func.grad(scalar))(I.sb!) as Tensor, R.vmap_grad_scalar![0]!);
      check('vmap', func.vmap(mlp, { inDims: [0, null, null] })(I.xb!, I.w!, I.b!), R.vmap_mlp![0]!);
      check('vmap(jacrev)', func.vmap(func.jacrev(mlp), { inDims: [0, null, null] })(I.xb!, I.w!, I.b!) as Tensor, R.vmap_jacrev_mlp![0]!);
      check('vmap(vmap)', func.vmap(func.vmap(rows))(I.xb!.reshape([2, 3, 3])), R.vmap_vmap_rows![0]!);
      check('vmap inDims 1 outDims 1', func.vmap(rows, { inDims: 1, outDims: 1 })(I.xb!.reshape([2, 3, 3])), R.vmap_rows_out1![0]!);
      check('vmap(jvp)', func.vmap((tt: Tensor) => func.jvp((xx) => mlp(xx, I.w!, I.b!), [I.x!], [tt])[1] as Tensor)(I.xb!), R.vmap_jvp_mlp![0]!);
    });
    it('per-sample gradients of a small CNN: vmap(grad(functionalCall))', () => {
      const model = new SmallCNN();
      const params = Object.fromEntries(Object.entries(f.cnn.params).map(([k, e]) => [k, t(e)]));
      // the module's own weights: zeros, so only the swapped-in ones can give torch's numbers
      model.conv = { weight: params['conv.weight']!.mul(0), bias: params['conv.bias']!.mul(0) };
      model.fc = { weight: params['fc.weight']!.mul(0), bias: params['fc.bias']!.mul(0) };
      const images = t(f.cnn.images), labels = F.tensor(f.cnn.labels, { dtype: 'int64' });
      const loss = (p: Record<string, Tensor>, img: Tensor, label: Tensor) =>
        F.crossEntropy(func.functionalCall(model, p, [img.unsqueeze(0)]) as Tensor, label.unsqueeze(0));
      check('per-sample losses', func.vmap(loss, { inDims: [null, 0, 0] })(params, images, labels), f.cnn.losses);
      const per = func.vmap(func.grad(loss), { inDims: [null, 0, 0] })(params, images, labels) as Record<string, Tensor>;
      for (const [k, e] of Object.entries(f.cnn.perSampleGrads)) check(`per-sample grad ${k}`, per[k]!, e);
    });
  });
}

describe('report', () => {
  it('largest differences from torch', () => {
    console.log(`func vs torch max |diff|: ${JSON.stringify(worst)}`);
    expect(Object.keys(worst)).toEqual(['float32', 'float64']);
  });
});
