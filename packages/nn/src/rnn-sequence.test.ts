// GRU and LSTM run each layer as core's gruSequence/lstmSequence op: the composite equals the cell loop
// the layers ran before bit for bit (values and gradients), and a backend's fused kernel is used only
// when no gradient is recorded through the op.
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@flint/backend-cpu';
import { noGrad } from '@flint/autograd';
import { cat, gruCell, lstmCell, manualSeed, randn, registerBackend, removeBackend, stack, zeros, type Tensor } from '@flint/core';
import { GRU, LSTM } from './index.js';

/** The per-layer loop GRU/LSTM ran before the sequence ops, written out with the cell ops. */
function referenceLayer(m: GRU | LSTM, x: Tensor, l: number, d: number, h0: Tensor, c0: Tensor | null): { out: Tensor; h: Tensor; c: Tensor | null } {
  const p = (k: string) => (m as unknown as Record<string, Tensor | null>)[`${k}_l${l}${d ? '_reverse' : ''}`] ?? null;
  const T = x.shape[0]!, wihT = p('weight_ih')!.t(), whhT = p('weight_hh')!.t().contiguous(), bih = p('bias_ih'), bhh = p('bias_hh');
  let xp = x.matmul(wihT);
  if (bih) xp = xp.add(bih);
  if (bhh && m.mode !== 'GRU') xp = xp.add(bhh);
  const steps = xp.split(1, 0), outs: Tensor[] = new Array(T);
  let h = h0, c = c0;
  for (let s = 0; s < T; s++) {
    const t = d ? T - 1 - s : s, xt = steps[t]!.squeeze(0), hh = h.matmul(whhT);
    if (m.mode === 'LSTM') ({ h, c } = lstmCell(xt, hh, c!));
    else h = gruCell(xt, hh, h, bhh);
    outs[t] = h;
  }
  return { out: stack(outs, 0), h, c };
}

function referenceForward(m: GRU | LSTM, x: Tensor): Tensor {
  const B = x.shape[1]!, H = m.hiddenSize, D = m.bidirectional ? 2 : 1;
  let inp = x;
  for (let l = 0; l < m.numLayers; l++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const z = zeros([B, H]);
      outs.push(referenceLayer(m, inp, l, d, z, m.mode === 'LSTM' ? z : null).out);
    }
    inp = D === 2 ? cat(outs, 2) : outs[0]!;
  }
  return inp;
}

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

describe('GRU/LSTM through gruSequence/lstmSequence', () => {
  for (const Layer of [GRU, LSTM]) {
    it(`${Layer.name}: the same bits as the cell loop, values and gradients`, () => {
      manualSeed(3);
      const m = new Layer(5, 4, { numLayers: 2, bidirectional: true });
      const x = randn([6, 3, 5]);
      const out = m.forward(x)[0];
      const ref = referenceForward(m, x);
      expect(values(out)).toEqual(values(ref));
      const w = randn(out.shape);
      out.mul(w).sum().backward();
      const grads = [...m.parameters()].map((p) => values(p.grad!));
      m.zeroGrad();
      ref.mul(w).sum().backward();
      expect([...m.parameters()].map((p) => values(p.grad!))).toEqual(grads);
    });
  }

  it("a backend's gruSequence kernel runs without grad; with grad the op runs its differentiable composite", () => {
    const calls: boolean[] = [];
    const cpu = createCpuBackend();
    registerBackend('seqcpu', () => ({
      ...cpu, name: 'seqcpu',
      kernels: {
        ...cpu.kernels,
        // a marker kernel: 7 everywhere, so the test sees which path ran
        gruSequence: (ins, outs, attrs) => { calls.push(attrs.reverse); for (const o of outs) (o.buffer as Float32Array).fill(7); },
      },
    }));
    try {
      manualSeed(1);
      const m = new GRU(3, 2, { device: 'seqcpu' });
      const x = randn([4, 1, 3], { device: 'seqcpu' });
      expect(values(noGrad(() => m.forward(x)[0]))).toEqual(new Array(8).fill(7));
      expect(calls).toEqual([false]);
      const y = m.forward(x)[0];
      expect(values(y)).not.toContain(7);
      y.sum().backward();
      expect([...m.parameters()].map((p) => p.grad?.shape)).toEqual([[6, 3], [6, 2], [6], [6]]);
      expect(calls).toEqual([false]);
    } finally {
      removeBackend('seqcpu');
    }
  });
});
