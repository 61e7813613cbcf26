// --amp reaches the training step: a few steps of the app's trainModel under bf16 and f16 autocast give
// finite losses that follow float32's (the model's activations are really computed in the low precision).
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { Subset } from '@flint/data/node';
import { main } from './main.js';
import { SUBSET_DIR, loadFashionMnist } from './data.js';
import { trainModel } from './train.js';

const data = loadFashionMnist(SUBSET_DIR);
const first = <T>(d: { length: number }, n: number) => new Subset(d as never, Array.from({ length: n }, (_, i) => i)) as T;

async function losses(amp?: 'bf16' | 'f16'): Promise<number[]> {
  const { epochs } = await trainModel({ train: first(data.train, 96), test: first(data.test, 50), epochs: 1, batchSize: 32, lr: 0.005, seed: 3, amp });
  return epochs[0]!.stepLosses.map(([, l]) => l);
}

describe('fashion-mnist --amp', () => {
  it('bf16 and f16 steps give finite losses within low-precision distance of float32\'s', async () => {
    const f32 = await losses(), bf16 = await losses('bf16'), f16 = await losses('f16');
    expect(f32).toHaveLength(3);
    for (const [name, l, tol] of [['bf16', bf16, 0.05], ['f16', f16, 0.01]] as const) {
      expect(l.every(Number.isFinite), name).toBe(true);
      l.forEach((v, i) => expect(Math.abs(v - f32[i]!), `${name} step ${i}: ${v} vs ${f32[i]}`).toBeLessThan(tol));
      expect(l.some((v, i) => v !== f32[i]), `${name} runs in low precision`).toBe(true);
    }
  });

  it('rejects an unknown --amp value', async () => {
    await expect(main(['--data', SUBSET_DIR, '--amp', 'fp8'], () => {})).rejects.toThrow("--amp must be bf16 or f16, got 'fp8'");
  });
});
