// Where a training (or, with `infer`, an inference) step's time goes, per CPU kernel: `npx tsx
// src/kernel-profile.ts [vgg|gru|densenet] [batch] [threads] [steps] [infer]` wraps every kernel of the 'cpu'
// backend with a timer and prints each one's milliseconds and calls per step, largest first, and which GEMM
// (native BLAS or WebAssembly) ran.
import { getBlas, setNumThreads } from '@flint/backend-cpu';
import { noGrad } from '@flint/autograd';
import { getBackend, manualSeed, scope } from '@flint/core';
import { measure } from './measure.js';
import { workload, type ModelName } from './models.js';

const model = (process.argv[2] ?? 'vgg') as ModelName, batch = Number(process.argv[3] ?? (model === 'densenet' ? 8 : 64));
setNumThreads(Number(process.argv[4] ?? 1));
const steps = Number(process.argv[5] ?? 3);
manualSeed(0);
const w = workload(model, {});
const kernels = getBackend('cpu').kernels as Record<string, ((...args: unknown[]) => unknown) | undefined>;
const times = new Map<string, [number, number]>();
let on = false;
for (const [name, f] of Object.entries(kernels)) {
  if (typeof f !== 'function') continue;
  kernels[name] = (...args: unknown[]) => {
    if (!on) return f(...args);
    const t = performance.now();
    try { return f(...args); } finally { const e = times.get(name) ?? [0, 0]; e[0] += performance.now() - t; e[1]++; times.set(name, e); }
  };
}
const infer = process.argv[6] === 'infer';
let per: number, wall: number, rate: string;
if (infer) {
  // eval mode without a graph, as measure's inference steps run
  const [x] = w.batch(batch);
  w.model.eval();
  const step = (): void => scope(() => { noGrad(() => w.model.call(x)); });
  step(); step(); // warm up the JIT and the kernels' scratch
  on = true;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  on = false;
  per = steps; wall = (performance.now() - t0) / per;
  rate = `${((batch * 1000) / wall).toFixed(1)} inference samples/s`;
} else {
  await measure(w, batch, 1, 1); // warm up the JIT and the kernels' scratch
  on = true;
  const t0 = performance.now();
  const figures = await measure(w, batch, steps, 1);
  on = false;
  // measure runs one untimed warm-up step and one inference step beside the timed ones
  per = steps + 1; wall = (performance.now() - t0) / per;
  rate = `${figures.trainSamplesPerSec.toFixed(1)} train samples/s`;
}
let sum = 0;
for (const [name, [ms, calls]] of [...times].sort((a, b) => b[1][0] - a[1][0])) {
  sum += ms;
  if (ms / per >= 0.1) console.log(`${name.padEnd(24)} ${(ms / per).toFixed(1).padStart(8)} ms/step ${(calls / per).toFixed(1).padStart(7)} calls/step`);
}
const blas = getBlas();
console.log(`kernels ${(sum / per).toFixed(1)} of ${wall.toFixed(1)} ms per step; ${model} at batch ${batch}: ${rate}; GEMM: ${blas.kind === 'native' ? blas.library : `WebAssembly (${blas.reason})`}`);
