import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gruSequence, lstmSequence, manualSeed, randn, registerBackend, runKernel, type Tensor } from '@flint/core';
import '../index.js';
import { createCpuBackend } from '../backend.js';
import { setBlas } from '../blas/native.js';
import { asyncParts, getNumThreads, setNumThreads, threadsSupported } from '../threads/pool.js';

// the fused kernels run the WebAssembly GEMM; so must the cell loop's matmuls, for the results to match bit for bit
beforeAll(() => setBlas('wasm'));
afterAll(() => setBlas('auto'));

// the same CPU backend without the whole-sequence kernels: core runs its cell-loop composite there
registerBackend('cpu-cells', () => {
  const b = createCpuBackend(), kernels: Record<string, unknown> = { ...b.kernels };
  delete kernels.gruSequence; delete kernels.lstmSequence; delete kernels.gruSequenceTrain; delete kernels.lstmSequenceTrain;
  return { ...b, name: 'cpu-cells', kernels: kernels as typeof b.kernels };
}, -1);

// and one that counts the calls of its whole-sequence kernels, to be sure they ran
const calls = { gruSequence: 0, lstmSequence: 0 };
registerBackend('cpu-fused', () => {
  const b = createCpuBackend(), k = b.kernels;
  const count = (name: keyof typeof calls) => (...a: Parameters<NonNullable<typeof k.gruSequence>>) => { calls[name]++; return k[name]!(...a); };
  return { ...b, name: 'cpu-fused', kernels: { ...k, gruSequence: count('gruSequence'), lstmSequence: count('lstmSequence') } };
}, -1);

const values = (ts: Tensor[]): number[][] => ts.map((t) => Array.from(t.dataSync() as ArrayLike<number>));

/** One layer's inputs (T=7, B=3, I=5, H=4) on the given dtype. */
function inputs(gates: number, dtype: 'float32' | 'float64', bias: boolean) {
  manualSeed(11);
  const H = 4, r = (shape: number[]) => randn(shape, { dtype });
  return { x: r([7, 3, 5]), h0: r([3, H]), c0: r([3, H]), wIh: r([gates * H, 5]), wHh: r([gates * H, H]), bIh: bias ? r([gates * H]) : null, bHh: bias ? r([gates * H]) : null };
}

describe('gruSequence / lstmSequence kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const reverse of [false, true]) {
      for (const bias of [true, false]) {
        it(`GRU and LSTM (${dtype}, ${reverse ? 'reverse' : 'forward'}, ${bias ? 'with' : 'without'} biases) equal the cell loop`, () => {
          const g = inputs(3, dtype, bias), l = inputs(4, dtype, bias);
          const on = (d: string, t: Tensor | null) => (t ? t.to(d) : null);
          const runBoth = (d: string): number[][] => {
            const gr = gruSequence(on(d, g.x)!, on(d, g.h0)!, { wIh: on(d, g.wIh)!, wHh: on(d, g.wHh)!, bIh: on(d, g.bIh), bHh: on(d, g.bHh), reverse });
            const ls = lstmSequence(on(d, l.x)!, on(d, l.h0)!, on(d, l.c0)!, { wIh: on(d, l.wIh)!, wHh: on(d, l.wHh)!, bIh: on(d, l.bIh), bHh: on(d, l.bHh), reverse });
            return values([gr.output, gr.h, ls.output, ls.h, ls.c]);
          };
          const before = { ...calls }, fused = runBoth('cpu-fused'), cells = runBoth('cpu-cells');
          expect([calls.gruSequence - before.gruSequence, calls.lstmSequence - before.lstmSequence]).toEqual([1, 1]);
          expect(fused[0]!.some((v) => v !== 0)).toBe(true);
          // the same operations in the same order: equal to the last bit
          expect(fused).toEqual(cells);
          // the last state is the output's last step (the first, for reverse)
          const N = 12, at = reverse ? 0 : 6 * N;
          expect(fused[1]).toEqual(fused[0]!.slice(at, at + N));
          expect(fused[3]).toEqual(fused[2]!.slice(at, at + N));
        });
      }
    }
  }
});

describe.skipIf(!threadsSupported())('input projections ahead of the loop on a kernel thread (WebAssembly GEMM)', () => {
  const before = getNumThreads();
  afterAll(() => setNumThreads(before));
  // T = 37 steps in blocks of 3 (the last one short), I = 300 in two K blocks, H = 40 through the SIMD step
  // and H = 10 through the JS gate loop
  for (const H of [40, 10]) {
    it(`GRU and LSTM layers (H=${H}; forward and reverse, with and without biases, inference and training kernels) at 2 and 3 threads equal one thread exactly`, () => {
      const T = 37, B = 16, I = 300, spec = (shape: number[]) => ({ shape, dtype: 'float32' as const });
      manualSeed(5);
      const x = randn([T, B, I]), h0 = randn([B, H]), c0 = randn([B, H]);
      const w3 = { wIh: randn([3 * H, I]), wHh: randn([3 * H, H]), bIh: randn([3 * H]), bHh: randn([3 * H]) };
      const w4 = { wIh: randn([4 * H, I]), wHh: randn([4 * H, H]), bIh: randn([4 * H]), bHh: randn([4 * H]) };
      const layers = (): number[][] => {
        const outs: Tensor[] = [];
        for (const reverse of [false, true]) {
          for (const bias of [true, false]) {
            const g = { ...w3, bIh: bias ? w3.bIh : null, bHh: bias ? w3.bHh : null, reverse };
            const l = { ...w4, bIh: bias ? w4.bIh : null, bHh: bias ? w4.bHh : null, reverse };
            const gr = gruSequence(x, h0, g), ls = lstmSequence(x, h0, c0, l);
            outs.push(gr.output, gr.h, ls.output, ls.h, ls.c);
          }
          outs.push(...runKernel('gruSequenceTrain', 'cpu', [x, h0, w3.wIh, w3.wHh, w3.bIh, w3.bHh], [spec([T, B, H]), spec([B, H]), spec([T, 4, B, H])], { reverse }));
          outs.push(...runKernel('lstmSequenceTrain', 'cpu', [x, h0, c0, w4.wIh, w4.wHh, w4.bIh, w4.bHh], [spec([T, B, H]), spec([B, H]), spec([B, H]), spec([T, 6, B, H])], { reverse }));
        }
        return values(outs);
      };
      setNumThreads(1);
      const jobs = asyncParts(), one = layers();
      expect(asyncParts()).toBe(jobs);
      setNumThreads(2);
      const two = layers();
      // every layer above projected ahead: 8 inference layers and 4 training ones
      expect(asyncParts() - jobs).toBe(12);
      setNumThreads(3);
      const three = layers();
      expect(one[0]!.some((v) => v !== 0)).toBe(true);
      // (the first difference, not a diff of ~400k numbers)
      const firstDiff = (a: number[][]): string | null => {
        for (let i = 0; i < one.length; i++) {
          const j = one[i]!.findIndex((v, k) => !Object.is(v, a[i]![k]));
          if (j >= 0 || a[i]!.length !== one[i]!.length) return `output ${i}[${j}]: ${a[i]![j]} vs ${one[i]![j]} at one thread`;
        }
        return null;
      };
      expect(firstDiff(two)).toBeNull();
      expect(firstDiff(three)).toBeNull();
    });
  }
});
