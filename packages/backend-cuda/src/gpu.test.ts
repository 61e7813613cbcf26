// Tests that need an NVIDIA GPU: the testkit's conformance suite on 'cuda' (values and gradients, float32
// and float64), and the first training steps of a small model matching the CPU within float32 tolerance.
// Without a driver they skip, printing why (CI has no GPU; scripts/gpu-check.ts runs them on a lent one).
import '@flint/autograd';
import '@flint/backend-cpu';
import { describeBackend } from '@flint/backend-testkit/vitest';
import { cat, manualSeed, randint, randn, setDefaultDevice, type Backend } from '@flint/core';
import { CrossEntropyLoss, GRU, Linear } from '@flint/nn';
import { Adam } from '@flint/optim';
import { describe, expect, it } from 'vitest';
import { findLibrary } from './discovery/find.js';
import { initCuda } from './init.js';

const driver = findLibrary('cuda');
const reason = driver.found ? '' : `no NVIDIA driver here (libcuda.so.1 not in ${driver.searched.length} folders searched)`;
if (reason) console.log(`[backend-cuda] GPU tests skipped: ${reason}`);

let backend: Promise<Backend> | undefined;
const cuda = () => (backend ??= initCuda({ allowTf32: { matmul: false, cudnn: false } }));

// the testkit removes (and so disposes) the backend it registered: give it a view without dispose, so 'cuda' lives on
const shared = async (): Promise<Backend> => { const { dispose: _dispose, ...rest } = await cuda(); return rest; };
if (!reason) describeBackend(shared, { name: 'cuda' });

/** Losses of 20 Adam steps of a GRU classifier, on `device`, from the same seed (the RNG stream is the same on every backend). */
async function losses(device: string): Promise<number[]> {
  setDefaultDevice(device);
  manualSeed(0);
  const rnn = new GRU(8, 16, { batchFirst: true }), head = new Linear(16, 3), ce = new CrossEntropyLoss();
  const opt = new Adam([...rnn.parameters(), ...head.parameters()], { lr: 1e-2 });
  const out: number[] = [];
  for (let s = 0; s < 20; s++) {
    const x = randn([4, 5, 8]), y = randint(0, 3, [4]);
    opt.zeroGrad();
    const [, h] = rnn.forward(x);
    const loss = ce.forward(head.forward(cat([h.select(0, 0)], 1)), y);
    loss.backward();
    opt.step();
    out.push(await loss.item());
  }
  setDefaultDevice('cpu');
  return out;
}

describe('training on cuda', () => {
  it.skipIf(!!reason)('20 GRU + Adam steps give the CPU\'s losses within float32 tolerance', async () => {
    await cuda();
    const [cpu, gpu] = [await losses('cpu'), await losses('cuda')];
    gpu.forEach((l, i) => expect(l, `step ${i}`).toBeCloseTo(cpu[i]!, 4));
  });
  it.skipIf(!reason)(`skipped: ${reason || 'a GPU is present'}`, () => {
    expect(reason).not.toBe('');
  });
});
