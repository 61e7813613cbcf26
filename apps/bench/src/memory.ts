// Peak memory of one DenseNet-121 training step on the CPU backend: the tensor bytes live at the step's
// peak (above the parameters and the batch) and the process's resident set size, beside
// torch_memory.py for PyTorch. `npx tsx src/memory.ts [batch] [threads]` prints one JSON line.
import '@flint/autograd';
import { createCpuBackend, setNumThreads } from '@flint/backend-cpu';
import { manualSeed, registerBackend, scope, setDefaultDevice, type Tensor } from '@flint/core';
import { workload } from './models.js';

let now = 0, peak = 0;
const sizes = new Map<unknown, number>();
// the CPU backend, counting the bytes of the buffers it holds
registerBackend('cpu-counted', () => {
  const b = createCpuBackend();
  return {
    ...b, name: 'cpu-counted',
    allocate: (dtype, n) => { const a = b.allocate(dtype, n); sizes.set(a, a.byteLength); now += a.byteLength; peak = Math.max(peak, now); return a; },
    release: (a) => { now -= sizes.get(a) ?? 0; sizes.delete(a); b.release(a as Parameters<typeof b.release>[0]); },
  };
}, -1);
setDefaultDevice('cpu-counted');
const batch = Number(process.argv[2] ?? 8);
setNumThreads(Number(process.argv[3] ?? 1));
manualSeed(0);
const w = workload('densenet', { imageSize: 224 });
const [x, y] = w.batch(batch);
const base = now;
peak = now;
const t0 = performance.now();
let forward = 0;
scope(() => {
  w.optimizer.zeroGrad();
  const out = w.model.call(x) as Tensor;
  forward = now - base;
  w.loss(out, y).backward();
  w.optimizer.step();
});
const mb = (v: number): number => Math.round(v / 2 ** 20);
console.log(JSON.stringify({
  batch, paramsAndBatchMB: mb(base), savedAfterForwardMB: mb(forward), stepPeakMB: mb(peak - base), rssMB: mb(process.memoryUsage().rss), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
}));
