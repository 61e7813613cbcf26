// --backend webgpu: the quick start's CNN trains to the CPU's losses, step by step, for its first 20 steps
// from the same seed (Adam, real images from the committed subset, batch 8). Skipped, saying why, where
// no WebGPU adapter is available; FLINT_COMPARE_DEVICE=mockgpu runs it against the testkit's mock GPU.
import { describe, expect, it } from 'vitest';
import '@flint/autograd';
import { crossEntropy } from '@flint/core';
import { Adam } from '@flint/optim';
import { compareFirstSteps, deviceUnderTest } from '@flint/app-kit/testing';
import { SUBSET_DIR, collateBatch, loadFashionMnist } from './data.js';
import { FashionCnn } from './model.js';

const STEPS = 20, BATCH = 8;
/**
 * The CPU's own float32 run strays from its float64 run by at most 6.8e-8 (relative) over these steps (measured),
 * so 1e-4 leaves room for another summation order and WGSL's looser exp/log while catching any wrong kernel.
 */
const TOLERANCE = 1e-4;

const { device, reason } = await deviceUnderTest();
if (reason) console.warn(`fashion-mnist on ${device} skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`fashion-mnist on ${device}`, () => {
  it(`the first ${STEPS} training steps give the CPU's losses within float32 tolerance`, async () => {
    const { train } = loadFashionMnist(SUBSET_DIR);
    const r = await compareFirstSteps('fashion-mnist (batch 8)', device,
      () => ({ model: new FashionCnn(), optimizer: (m) => new Adam(m.parameters(), { lr: 0.005 }), loss: (o, y) => crossEntropy(o, y) }),
      (i) => collateBatch(Array.from({ length: BATCH }, (_, k) => train.getItem(i * BATCH + k))), STEPS);
    console.log(r.summary);
    expect(r.cpu[STEPS - 1]!).toBeLessThan(r.cpu[0]!); // it learns
    expect(r.difference.value, `cpu ${r.cpu.join(', ')}\n${device} ${r.other.join(', ')}`).toBeLessThan(TOLERANCE);
  });
});
