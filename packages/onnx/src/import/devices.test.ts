// The importer on other backends (the testkit's asynchronous mock GPU: queued kernels, async reads, int64
// computed as int32) gives the CPU's outputs, and inference under noGrad leaves no tensors behind.
import '@flint/backend-cpu';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { noGrad } from '@flint/autograd';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import { loadOnnx } from './model.js';
import { seeded } from './testing/compare.js';

const load = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/models/${name}.onnx`, import.meta.url)));
const gpu = registerMockGpu({ name: 'mockgpu-onnx' });

async function maxDiff(a: F.Tensor, b: F.Tensor): Promise<number> {
  const x = (await a.data()) as Float32Array;
  const y = (await b.data()) as Float32Array;
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

describe('imported models on any backend', () => {
  for (const [name, feed] of [
    ['decoder_resize', () => ({ x: F.fromBlob(Float32Array.from({ length: 2 * 4 * 5 * 6 }, seeded(5)), [2, 4, 5, 6]) })],
    ['small_cnn_opset9', () => ({ input: F.fromBlob(Float32Array.from({ length: 2 * 3 * 16 * 16 }, seeded(6)), [2, 3, 16, 16]) })],
    ['gru_classifier', () => ({ ids: F.fromBlob(BigInt64Array.from({ length: 12 }, (_, i) => BigInt((i * 7) % 50)), [2, 6], { dtype: 'int64' }) })],
    ['scripted_loop_if', () => ({ x: F.fromBlob(Float32Array.from({ length: 8 }, seeded(2)), [1, 8]), n: F.full([], 2, { dtype: 'int64' }) })],
  ] as const) {
    it(`${name} on the mock GPU matches the CPU`, async () => {
      const [cpu, dev] = await Promise.all([loadOnnx(load(name), { device: 'cpu' }), loadOnnx(load(name), { device: gpu })]);
      const feeds = feed();
      const [a, b] = await noGrad(() => Promise.all([cpu.run(feeds), dev.run(feeds)]));
      expect(b.out!.device).toBe(gpu);
      expect(b.out!.shape).toEqual(a.out!.shape);
      expect(await maxDiff(await b.out!.toAsync('cpu'), a.out!)).toBeLessThan(1e-5);
    });
  }

  it('inference under noGrad frees every intermediate tensor', async () => {
    const model = await loadOnnx(load('shufflenet_v2_x0_5'));
    const input = F.fromBlob(new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
    const first = await noGrad(() => model.run({ input }));
    first.out!.dispose();
    const before = F.memory().tensors;
    const again = await noGrad(() => model.run({ input }));
    expect(F.memory().tensors).toBe(before + 1);
    again.out!.dispose();
  });
});
