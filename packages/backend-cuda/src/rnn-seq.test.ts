// nn.GRU and nn.LSTM without gradients run each layer as one cudnnRNNForward: here through the real cuDNN
// binding and src/kernels/rnn-seq.ts (weight copies into the weight space, time reversal for the reverse
// direction, initial and final states) over a host cuDNN stand-in with cuDNN's equations
// (testing/fake-libcudnn.c), on the emulated kernels, against the CPU's cell-loop composite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@flint/backend-cpu';
import { noGrad } from '@flint/autograd';
import { manualSeed, randn, registerBackend, type Tensor } from '@flint/core';
import { GRU, LSTM } from '@flint/nn';
import { describe, expect, it } from 'vitest';
import { createCudaBackend } from './backend.js';
import { openBlas } from './ffi/cublas.js';
import { openDnn } from './ffi/cudnn.js';
import { getKoffi } from './ffi/koffi.js';
import { CudaRuntime } from './runtime/runtime.js';
import { HostDriver, prepareHostKernels } from './testing/host-driver.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-fake-cudnn-'));
const build = (name: string, src: string) => spawnSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-O1', '-o', join(dir, name), fileURLToPath(new URL(`./testing/${src}`, import.meta.url))]).status === 0;
const ok = process.platform === 'linux' && spawnSync(process.env.CXX ?? 'g++', ['--version']).status === 0 &&
  build('libcudnn.so.9', 'fake-libcudnn.c') && build('libcublas.so.13', 'fake-libcublas.c');
if (!ok) console.log('[backend-cuda] cuDNN RNN plumbing tests skipped: a C and C++ compiler on Linux are needed for the stand-ins');

if (ok) {
  await prepareHostKernels();
  const drv = new HostDriver(), rt = new CudaRuntime(drv, drv.addressOf, (f) => f), ws = rt.alloc(1 << 20);
  const ctx = { rt, blas: openBlas(join(dir, 'libcublas.so.13'), rt.compute, ws.ptr, ws.size), dnn: openDnn(join(dir, 'libcudnn.so.9'), rt.compute), tf32: { matmul: false, cudnn: false } };
  registerBackend('emurnn', () => createCudaBackend(ctx, { vendor: {}, totalBytes: 1 << 30 }));
}
const forwardCalls = () => (getKoffi().load(join(dir, 'libcudnn.so.9')).func('int fakeCudnnRnnForwardCalls()') as () => number)();
const values = async (t: Tensor) => Array.from((await t.data()) as Float32Array);

/** The same layer (same seed: the same weights on every backend) on `device`, run without gradients. */
async function run(device: string, make: () => GRU | LSTM, B: number): Promise<number[][]> {
  manualSeed(7);
  const m = make();
  m.to(device);
  const x = randn([6, B, 5], { device });
  const [out, state] = noGrad(() => m.forward(x)) as [Tensor, Tensor | [Tensor, Tensor]];
  const states = Array.isArray(state) ? state : [state];
  return Promise.all([out, ...states].map(values));
}

describe.skipIf(!ok)('gruSequence / lstmSequence through the cuDNN binding', () => {
  const cases: [string, () => GRU | LSTM][] = [
    ['GRU, 2 layers, bidirectional', () => new GRU(5, 4, { numLayers: 2, bidirectional: true })],
    ['GRU without bias', () => new GRU(5, 3, { bias: false })],
    ['LSTM, 2 layers, bidirectional', () => new LSTM(5, 4, { numLayers: 2, bidirectional: true })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: one cudnnRNNForward per layer and direction, equal to the CPU's cell loop`, async () => {
      const before = forwardCalls();
      const [gpu, cpu] = [await run('emurnn', make, 3), await run('cpu', make, 3)];
      const m = make();
      expect(forwardCalls() - before).toBe(m.numLayers * (m.bidirectional ? 2 : 1));
      gpu.forEach((t, i) => t.forEach((v, j) => expect(v, `output ${i}[${j}]`).toBeCloseTo(cpu[i]![j]!, 5)));
    });
  }
});
