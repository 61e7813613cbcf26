// --backend webgpu: the VGG-style CNN trains to the CPU's losses, step by step, for its first 20 steps from
// the same seed (the app's SGD with momentum, dropout drawn from core's device-independent stream, synthetic
// 32x32 images one at a time: CPU Vulkan runs a step in about a second). Skipped, saying why, where no WebGPU adapter is available; FLINT_COMPARE_DEVICE=mockgpu
// runs it against the testkit's mock GPU.
import { describe, expect, it } from 'vitest';
import '@flint/autograd';
import { randint, randn } from '@flint/core';
import { CrossEntropyLoss } from '@flint/nn';
import { SGD } from '@flint/optim';
import { compareFirstSteps, deviceUnderTest } from '@flint/app-kit/testing';
import { CifarVgg } from './model.js';
import { HYPERPARAMETERS } from './train.js';

const STEPS = 20, BATCH = 1;
/**
 * The CPU's own float32 run strays from its float64 run by at most 8.9e-8 (relative) over these steps (measured),
 * so 1e-4 leaves room for another summation order and WGSL's looser exp/log while catching any wrong kernel.
 */
const TOLERANCE = 1e-4;

const { device, reason } = await deviceUnderTest();
if (reason) console.warn(`cifar10-vgg on ${device} skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`cifar10-vgg on ${device}`, () => {
  it(`the first ${STEPS} training steps give the CPU's losses within float32 tolerance`, async () => {
    const ce = new CrossEntropyLoss();
    const r = await compareFirstSteps(`cifar10-vgg (batch ${BATCH})`, device,
      () => ({ model: new CifarVgg(), optimizer: (m) => new SGD(m.parameters(), { lr: HYPERPARAMETERS.lr, momentum: HYPERPARAMETERS.momentum }), loss: (o, y) => ce.call(o, y) }),
      () => [randn([BATCH, 3, 32, 32]), randint(0, 10, [BATCH])], STEPS);
    console.log(r.summary);
    expect(r.cpu.every(Number.isFinite)).toBe(true);
    expect(r.difference.value, `cpu ${r.cpu.join(', ')}\n${device} ${r.other.join(', ')}`).toBeLessThan(TOLERANCE);
  });
});
