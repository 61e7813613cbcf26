// The public device API on the fake driver: memory() as torch.cuda.memory_stats, emptyCache(),
// resetPeakMemoryStats(), and cudaGraph()/captureStep() capturing Flint ops issued through core.
import { registerBackend, removeBackend, tensor } from '@flint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBackend } from './testing/fake-backend.js';
import { setCurrentForTests } from './init.js';
import { captureStep, cudaGraph, emptyCache, memory, resetPeakMemoryStats } from './memory.js';

let fake: ReturnType<typeof fakeBackend>;
beforeAll(() => {
  fake = fakeBackend(false);
  registerBackend('fakecuda2', () => fake.backend);
  setCurrentForTests(fake.ctx, fake.backend);
});
afterAll(() => removeBackend('fakecuda2'));

describe('memory()', () => {
  it('reports allocated and reserved bytes with peaks, the cache, and the device figures', () => {
    const before = memory();
    const t = tensor(new Float32Array(1 << 20), { device: 'fakecuda2' }); // 4 MiB: a block of a new 20 MiB segment
    const during = memory();
    expect(during.allocated.current - before.allocated.current).toBe(1 << 22);
    expect(during.reserved.current - before.reserved.current).toBe(20 << 20);
    expect(during.reserved.current).toBeGreaterThanOrEqual(during.allocated.current);
    expect(during.deviceTotal).toBe(1 << 28);
    t.dispose();
    const after = memory();
    expect(after.allocated.current).toBe(before.allocated.current);
    expect(after.allocated.peak).toBe(during.allocated.current);
    expect(after.cached).toBe(after.reserved.current - after.allocated.current);
    emptyCache();
    expect(memory().reserved.current).toBeLessThan(after.reserved.current);
    resetPeakMemoryStats();
    expect(memory().allocated.peak).toBe(memory().allocated.current);
  });
});

describe('graphs through core', () => {
  it('cudaGraph captures the kernels of Flint ops without running them, and replays them', async () => {
    const a = tensor([1, 2, 3], { device: 'fakecuda2' }), b = tensor([4, 5, 6], { device: 'fakecuda2' });
    fake.drv.launches.length = 0;
    const g = cudaGraph();
    const out = g.capture(() => a.add(b).mul(b));
    expect(fake.drv.launches).toHaveLength(0);
    g.replay();
    expect(fake.drv.launches.map((l) => l.fn)).toEqual(['bin_add_f32', 'bin_mul_f32']);
    expect(out.shape).toEqual([3]);
    g.dispose();
  });
  it('captureStep warms a step up eagerly, then replays it as one graph', () => {
    const x = tensor([1, 2], { device: 'fakecuda2' });
    fake.drv.launches.length = 0;
    const step = captureStep(() => x.neg(), { warmup: 2 });
    expect(fake.drv.launches.map((l) => l.fn)).toEqual(['un_neg_f32', 'un_neg_f32']);
    step.replay();
    expect(fake.drv.launches).toHaveLength(3);
    step.graph.dispose();
  });
});
