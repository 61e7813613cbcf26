// --backend webgpu: DenseNet-121 trains to the CPU's losses, step by step, for its first 4 steps from the
// same seed (the app's Adam and BCE-with-logits over 14 labels, synthetic 32x32 images in batches of 4).
// Skipped, saying why, where no WebGPU adapter is available; FLINT_COMPARE_DEVICE=mockgpu runs it against the
// testkit's mock GPU.
//
// Why 4 steps and two bounds: at 32x32 (the smallest input its five downsamplings allow) the last batch norms
// see 4 values per channel, and Adam's first updates (about ±lr per weight, whatever the gradient's size) turn
// float32 rounding in near-zero gradients into lr-sized steps. Measured on the CPU, float32 against float64:
// step 1 (the same weights, forward only) 1.9e-6, steps 2-5 2.2e-3, 6.1e-3, 6.1e-3, 8.7e-3 (at batch 2 even
// step 1 differs by 2.2e-2). So step 1 is held to 1e-4 and the later ones to 3e-2; 20 steps would take
// minutes on CPU Vulkan without saying more.
import { describe, expect, it } from 'vitest';
import '@flint/autograd';
import { rand, randn } from '@flint/core';
import { BCEWithLogitsLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { compareFirstSteps, deviceUnderTest } from '@flint/app-kit/testing';
import { densenet121 } from './model.js';
import { HYPERPARAMETERS } from './train.js';

const STEPS = 4, BATCH = 4, SIZE = 32;
const FIRST_STEP_TOLERANCE = 1e-4, TOLERANCE = 3e-2;

const { device, reason } = await deviceUnderTest();
if (reason) console.warn(`chestxray-densenet on ${device} skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`chestxray-densenet on ${device}`, () => {
  it(`the first ${STEPS} training steps give the CPU's losses within float32 tolerance`, async () => {
    const bce = new BCEWithLogitsLoss();
    const r = await compareFirstSteps(`chestxray-densenet (batch ${BATCH}, ${SIZE}x${SIZE})`, device,
      () => ({ model: densenet121({ numClasses: 14 }), optimizer: (m) => new Adam(m.parameters(), { lr: HYPERPARAMETERS.lr }), loss: (o, y) => bce.call(o, y) }),
      () => [randn([BATCH, 3, SIZE, SIZE]), rand([BATCH, 14]).lt(0.2).float()], STEPS);
    console.log(r.summary);
    const detail = `cpu ${r.cpu.join(', ')}\n${device} ${r.other.join(', ')}`;
    expect(r.cpu.every(Number.isFinite)).toBe(true);
    expect(Math.abs(r.other[0]! - r.cpu[0]!) / r.cpu[0]!, `step 1: ${detail}`).toBeLessThan(FIRST_STEP_TOLERANCE);
    expect(r.difference.value, detail).toBeLessThan(TOLERANCE);
  });
});
