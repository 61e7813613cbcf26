import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gruSequence, lstmSequence, manualSeed, randn, registerBackend, type Tensor } from '@flint/core';
import '../index.js';
import { createCpuBackend } from '../backend.js';
import { setBlas } from '../blas/native.js';

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
