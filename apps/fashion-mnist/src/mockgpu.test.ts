// The quick start's training loop on the testkit's queued mock GPU (kernels run only at reads, int64
// computed as int32, dense elementwise inputs, reads only asynchronous): 200 Adam steps give the CPU's
// losses, the same test accuracy, and flat memory.
import { afterAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import type { MockGpu } from '@flint/backend-testkit/mock';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import { getBackend, memory, removeBackend, setDefaultDevice } from '@flint/core';
import { Subset } from '@flint/data/node';
import { SUBSET_DIR, loadFashionMnist } from './data.js';
import { trainModel } from './train.js';

const mock = registerMockGpu({ name: 'mockgpu-fashion' });
afterAll(() => removeBackend(mock));

const data = loadFashionMnist(SUBSET_DIR);
const first = (n: number) => Array.from({ length: n }, (_, i) => i);
const train = new Subset(data.train, first(1600)), test = new Subset(data.test, first(400));

/** One epoch of 200 steps on `device`, and how many tensors it left there (the model and Adam's state). */
async function run(device: string) {
  setDefaultDevice(device);
  const live = () => memory().devices[device]?.tensors ?? 0;
  const before = live();
  try {
    const r = await trainModel({ train, test, epochs: 1, batchSize: 8, lr: 0.005, seed: 3 });
    return { ...r.epochs[0]!, left: live() - before };
  } finally {
    setDefaultDevice('cpu');
  }
}

describe('fashion-mnist on the mock GPU', () => {
  it('200 training steps track the CPU\'s losses as closely as float32 allows, with the same accuracy and flat memory', async () => {
    let t = performance.now();
    const cpu = await run('cpu');
    const cpuMs = performance.now() - t;
    const before = (getBackend(mock) as unknown as MockGpu).stats;
    t = performance.now();
    const gpu = await run(mock);
    const gpuMs = performance.now() - t;
    const after = (getBackend(mock) as unknown as MockGpu).stats;
    expect(gpu.stepLosses).toHaveLength(200);
    const diffs = cpu.stepLosses.map(([, l], i) => Math.abs(gpu.stepLosses[i]![1] - l) / l);
    // Both compute each step in float32 but sum in different orders (the mock accumulates in float64):
    // the first steps agree to rounding; Adam then amplifies rounding about tenfold every 7 steps, as it
    // amplifies the difference between a float32 and a float64 run on the CPU itself.
    expect(Math.max(...diffs.slice(0, 30)), 'largest relative difference in the first 30 steps').toBeLessThan(1e-5);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(gpu.trainLoss - cpu.trainLoss) / cpu.trainLoss, 'mean training loss').toBeLessThan(0.01);
    expect(Math.abs(mean(gpu.stepLosses.slice(-50).map(([, l]) => l)) / mean(cpu.stepLosses.slice(-50).map(([, l]) => l)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(gpu.testAccuracy - cpu.testAccuracy)).toBeLessThanOrEqual(0.02);
    expect(gpu.testAccuracy).toBeGreaterThan(0.6);
    expect(gpu.left).toBe(cpu.left);
    // the work really ran on the queue, and buffers were released while commands that use them waited
    expect(after.executed - before.executed).toBeGreaterThan(10_000);
    expect(after.releasedWhilePending).toBeGreaterThan(before.releasedWhilePending);
    console.log(`fashion-mnist, 200 steps: cpu ${(cpuMs / 1000).toFixed(1)} s, mockgpu ${(gpuMs / 1000).toFixed(1)} s; relative loss difference ` +
      `max ${Math.max(...diffs.slice(0, 30)).toExponential(1)} over steps 1-30, ${Math.max(...diffs).toExponential(1)} over all; mean loss cpu ${cpu.trainLoss.toFixed(4)}, mockgpu ${gpu.trainLoss.toFixed(4)}; test accuracy cpu ${cpu.testAccuracy}, mockgpu ${gpu.testAccuracy}`);
  });
});
