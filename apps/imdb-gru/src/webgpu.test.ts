// --backend webgpu: the GRU sentiment model trains to the CPU's losses, step by step, for its first 20 steps
// from the same seed (the app's model and Adam, synthetic reviews of 16 tokens in batches of 2: the recurrence
// is the same at any length, and CPU Vulkan runs every time step as its own kernels). Skipped, saying why,
// where no WebGPU adapter is available; FLINT_COMPARE_DEVICE=mockgpu runs it against the testkit's mock GPU.
import { describe, expect, it } from 'vitest';
import '@flint/autograd';
import { randint } from '@flint/core';
import { CrossEntropyLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { compareFirstSteps, deviceUnderTest } from '@flint/app-kit/testing';
import { IMDB_VOCAB, ImdbGru } from './model.js';
import { HYPERPARAMETERS } from './train.js';

const STEPS = 20, BATCH = 2, LENGTH = 16;
/**
 * The CPU's own float32 run strays from its float64 run by at most 9.6e-8 (relative) over these steps (measured),
 * so 1e-4 leaves room for another summation order and WGSL's looser exp/log while catching any wrong kernel.
 */
const TOLERANCE = 1e-4;

const { device, reason } = await deviceUnderTest();
if (reason) console.warn(`imdb-gru on ${device} skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`imdb-gru on ${device}`, () => {
  it(`the first ${STEPS} training steps give the CPU's losses within float32 tolerance`, async () => {
    const ce = new CrossEntropyLoss();
    const r = await compareFirstSteps(`imdb-gru (batch ${BATCH}, ${LENGTH} tokens)`, device,
      () => ({ model: new ImdbGru(), optimizer: (m) => new Adam(m.parameters(), { lr: HYPERPARAMETERS.lr }), loss: (o, y) => ce.call(o, y) }),
      () => [randint(0, IMDB_VOCAB, [BATCH, LENGTH]), randint(0, 2, [BATCH])], STEPS);
    console.log(r.summary);
    expect(r.cpu.every(Number.isFinite)).toBe(true);
    expect(r.difference.value, `cpu ${r.cpu.join(', ')}\n${device} ${r.other.join(', ')}`).toBeLessThan(TOLERANCE);
  });
});
