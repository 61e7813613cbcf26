// The benchmark models on the testkit's queued mock GPU (kernels run only at reads, int64 computed as
// int32, dense elementwise inputs, no synchronous reads): their first two training steps give the CPU's losses.
import { afterAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import '@flint/autograd';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import { manualSeed, removeBackend, scope, setDefaultDevice, type Tensor } from '@flint/core';
import { workload, type ModelName } from './models.js';

const mock = registerMockGpu({ name: 'mockgpu-bench' });
afterAll(() => removeBackend(mock));

/** Losses of the first `steps` training steps of `model` on `device`, from seed 0. */
async function losses(device: string, model: ModelName, steps: number, batch: number): Promise<number[]> {
  setDefaultDevice(device);
  try {
    manualSeed(0);
    const w = workload(model, { imageSize: 64 });
    const [x, y] = w.batch(batch);
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      out.push(await scope(async () => {
        w.optimizer.zeroGrad();
        const loss = w.loss(w.model.call(x) as Tensor, y);
        loss.backward();
        w.optimizer.step();
        return Number(await loss.item());
      }));
    }
    x.dispose(); y.dispose(); w.optimizer.dispose(); w.model.dispose();
    return out;
  } finally {
    setDefaultDevice('cpu');
  }
}

describe('benchmark models on the mock GPU', () => {
  // DenseNet at batch 1 normalizes its last maps over 4 values: there even the CPU's float32 gradient of
  // norm0.weight differs from its float64 one by 1%, and Adam's first step (±lr per weight) carries that
  // rounding into the next loss at ~2e-4, so its bound is looser
  for (const [model, batch, tol] of [['vgg', 2, 1e-4], ['gru', 2, 1e-4], ['densenet', 1, 1e-3]] as const) {
    it(`${model}: two training steps give the CPU's losses`, async () => {
      const cpu = await losses('cpu', model, 2, batch), gpu = await losses(mock, model, 2, batch);
      cpu.forEach((l, i) => expect(Math.abs(gpu[i]! - l) / Math.abs(l), `step ${i}: cpu ${l}, mockgpu ${gpu[i]}`).toBeLessThan(tol));
    });
  }
});
