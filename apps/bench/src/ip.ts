import { setNumThreads } from '@flint/backend-cpu';
import { getBackend, manualSeed, scope } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { workload } from './models.js';
setNumThreads(Number(process.argv[2] ?? 2));
manualSeed(0);
const w = workload('densenet', {});
w.model.eval();
const [x] = w.batch(8);
const kernels = getBackend('cpu').kernels as Record<string, ((...args: unknown[]) => unknown) | undefined>;
const times = new Map<string, [number, number]>();
let on = false;
for (const [name, f] of Object.entries(kernels)) {
  if (typeof f !== 'function') continue;
  kernels[name] = (...args: unknown[]) => { if (!on) return f(...args); const t = performance.now(); try { return f(...args); } finally { const e = times.get(name) ?? [0, 0]; e[0] += performance.now() - t; e[1]++; times.set(name, e); } };
}
const step = () => scope(() => { noGrad(() => w.model.call(x!)); });
step(); step();
on = true; const t0 = performance.now(); const S = 4; for (let i = 0; i < S; i++) step(); on = false;
let sum = 0;
for (const [n, [ms, c]] of [...times].sort((a, b) => b[1][0] - a[1][0])) { sum += ms; if (ms / S > 1) console.log(n.padEnd(20), (ms / S).toFixed(1), 'ms', (c / S).toFixed(0), 'calls'); }
console.log('kernels', (sum / S).toFixed(0), 'of', ((performance.now() - t0) / S).toFixed(0), 'ms per inference step');
