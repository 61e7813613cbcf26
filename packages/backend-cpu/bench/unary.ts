// ns per element of the float32 transcendental unary kernels (and softmax) at a few sizes.
// `npx tsx bench/unary.ts [sizes...]`; run before/after a kernel change on an idle machine.
import type { KernelTensor } from '@flint/core';
import { createCpuBackend } from '../src/backend.js';
import type { CpuArray } from '../src/storage.js';

const backend = createCpuBackend();
const tensor = (shape: number[], fill: (i: number) => number): KernelTensor<CpuArray> => {
  const n = shape.reduce((a, b) => a * b, 1), buffer = new Float32Array(n);
  for (let i = 0; i < n; i++) buffer[i] = fill(i);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buffer, dtype: 'float32', shape, strides, offset: 0 };
};
const cases: [string, Record<string, unknown>, (i: number) => number][] = [
  ['exp', {}, () => Math.random() * 20 - 10], ['log', {}, () => Math.random() * 100], ['tanh', {}, () => Math.random() * 8 - 4],
  ['sigmoid', {}, () => Math.random() * 16 - 8], ['gelu', { approximate: 'tanh' }, () => Math.random() * 8 - 4], ['gelu', {}, () => Math.random() * 8 - 4],
  ['softmax', {}, () => Math.random() * 8 - 4], ['logSoftmax', {}, () => Math.random() * 8 - 4],
];
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [1e6, 12800]) {
  for (const [op, attrs, fill] of cases) {
    const shape = op.endsWith('oftmax') ? [n / 100, 100] : [n]; // softmax rows of 100
    const x = tensor(shape, fill), y = tensor(shape, () => 0), k = backend.kernels[op]!;
    const reps = Math.max(3, Math.round(2e7 / n));
    for (let i = 0; i < reps; i++) k([x], [y], attrs);
    let best = Infinity;
    for (let t = 0; t < 5; t++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) k([x], [y], attrs);
      best = Math.min(best, (performance.now() - t0) / reps);
    }
    console.log(`${(op + (attrs.approximate ? '(tanh)' : op === 'gelu' ? '(erf)' : '')).padEnd(12)} n=${String(n).padStart(8)}  ${(best * 1e6 / n).toFixed(2)} ns/elem`);
  }
}
