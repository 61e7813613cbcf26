// Imported models are differentiable: float initializers are Parameters and the tape records every op the
// interpreter runs, so gradients match finite differences of the loaded model itself.
import '@flint/backend-cpu';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { decodeModel, encodeModel } from '../proto/index.js';
import { loadOnnx } from './model.js';
import { seeded } from './testing/compare.js';

const bytes = new Uint8Array(readFileSync(new URL('../../fixtures/models/small_cnn_opset9.onnx', import.meta.url)));
const rnd = seeded(3);
const input = F.fromBlob(Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rnd() * 2 - 1), [2, 3, 16, 16]);
const mix = F.fromBlob(Float32Array.from({ length: 20 }, () => rnd() * 2 - 1), [2, 10]);

/** loss = sum(softmax output * fixed mix), a function of the model's weights. */
async function loss(model: Awaited<ReturnType<typeof loadOnnx>>): Promise<F.Tensor> {
  return F.sum(F.mul((await model.run({ input })).out!, mix));
}

/** The same model with one float of initializer `name` moved by `delta`. */
function nudged(name: string, index: number, delta: number): Uint8Array {
  const m = decodeModel(bytes);
  const init = m.graph!.initializer!.find((t) => t.name === name)!;
  const raw = Uint8Array.from(init.raw_data!);
  const view = new Float32Array(raw.buffer);
  view[index]! += delta;
  init.raw_data = raw;
  return encodeModel(m);
}

describe('fine-tuning an imported model', () => {
  it('parameters() are the float initializers, requiring grad, and backward fills every .grad', async () => {
    const model = await loadOnnx(bytes);
    const named = model.namedParameters();
    // the exporter folded BatchNorm into the convolution, whose weights got generated names
    expect(named.map(([n]) => n)).toEqual(['fc.weight', 'fc.bias', 'onnx::Conv_27', 'onnx::Conv_28']);
    expect(named.every(([, p]) => p.requiresGrad)).toBe(true);
    (await loss(model)).backward();
    for (const [n, p] of named) expect(p.grad?.shape, n).toEqual(p.shape);
  });

  it('gradients match central finite differences of the loaded graph', async () => {
    const model = await loadOnnx(bytes);
    (await loss(model)).backward();
    const grads = new Map(model.namedParameters().map(([n, p]) => [n, p.grad!.dataSync() as Float32Array]));
    const eps = 1e-2;
    for (const [name, index] of [['onnx::Conv_27', 5], ['onnx::Conv_27', 100], ['onnx::Conv_28', 3], ['fc.weight', 77], ['fc.bias', 4]] as const) {
      const up = await (await loss(await loadOnnx(nudged(name, index, eps)))).item();
      const down = await (await loss(await loadOnnx(nudged(name, index, -eps)))).item();
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(grads.get(name)![index]! - numeric), `${name}[${index}]: autograd ${grads.get(name)![index]}, numeric ${numeric}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    }
  });
});
