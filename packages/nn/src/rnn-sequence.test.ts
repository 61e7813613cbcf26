// GRU and LSTM run each layer as core's gruSequence/lstmSequence op: the composite equals the cell loop
// the layers ran before bit for bit (values and gradients), and a backend's fused kernel is used only
// when no gradient is recorded through the op.
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@flint/backend-cpu';
import { gradcheck, noGrad } from '@flint/autograd';
import { cat, gruCell, gruSequence, lstmCell, lstmSequence, manualSeed, randn, registerBackend, removeBackend, stack, zeros, type Tensor } from '@flint/core';
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
      const z = zeros([B, H], { device: x.device });
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
      const want = [...m.parameters()].map((p) => values(p.grad!));
      // the whole-sequence gradient rules sum the weight gradients over the steps in one matmul (float32
      // reordering only)
      grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThan(1e-5 * (1 + Math.abs(v)))));
    });
  }

  it("a backend with only the gruSequence kernel runs it with and without grad; the gradient rebuilds the workspace", () => {
    const calls: boolean[] = [];
    const cpu = createCpuBackend(), { gruSequenceTrain: _t, gruSequenceBackward: _b, ...rest } = cpu.kernels, base = cpu.kernels.gruSequence!;
    registerBackend('seqcpu', () => ({
      ...cpu, name: 'seqcpu',
      kernels: { ...rest, gruSequence: (ins: Parameters<typeof base>[0], outs: Parameters<typeof base>[1], attrs: Parameters<typeof base>[2]) => { calls.push(attrs.reverse); base(ins, outs, attrs); } },
    }));
    try {
      manualSeed(1);
      const m = new GRU(3, 2, { device: 'seqcpu' });
      const x = randn([4, 1, 3], { device: 'seqcpu' });
      const y0 = noGrad(() => m.forward(x)[0]);
      expect(calls).toEqual([false]);
      const y = m.forward(x)[0];
      expect(values(y)).toEqual(values(y0));
      y.sum().backward();
      expect(calls).toEqual([false, false]);
      const got = [...m.parameters()].map((p) => values(p.grad!));
      m.zeroGrad();
      referenceForward(m, x).sum().backward();
      got.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - values([...m.parameters()][i]!.grad!)[j]!)).toBeLessThan(1e-5)));
    } finally {
      removeBackend('seqcpu');
    }
  });

  for (const reverse of [false, true]) {
    it(`gruSequence's gradient (${reverse ? 'reverse' : 'forward'}) is the finite-difference one in float64, from the fused CPU kernels`, async () => {
      manualSeed(7);
      const o = { dtype: 'float64' as const }, r = (shape: number[]) => randn(shape, o).requiresGrad_();
      const leaves = [r([5, 3, 4]), r([3, 2]), r([6, 4]), r([6, 2]), r([6]), r([6])];
      const res = await gradcheck((x, h0, wIh, wHh, bIh, bHh) => {
        const s = gruSequence(x!, h0!, { wIh: wIh!, wHh: wHh!, bIh, bHh, reverse });
        return s.output.sin().sum().add(s.h.mul(s.h).sum());
      }, leaves);
      expect(res.ok, res.report).toBe(true);
    });
  }

  for (const reverse of [false, true]) {
    it(`lstmSequence's gradient (${reverse ? 'reverse' : 'forward'}) is the finite-difference one in float64, from the fused CPU kernels`, async () => {
      manualSeed(8);
      const o = { dtype: 'float64' as const }, r = (shape: number[]) => randn(shape, o).requiresGrad_();
      const leaves = [r([5, 3, 4]), r([3, 2]), r([3, 2]), r([8, 4]), r([8, 2]), r([8]), r([8])];
      const res = await gradcheck((x, h0, c0, wIh, wHh, bIh, bHh) => {
        const s = lstmSequence(x!, h0!, c0!, { wIh: wIh!, wHh: wHh!, bIh, bHh, reverse });
        return s.output.sin().sum().add(s.h.mul(s.h).sum()).add(s.c.mul(s.c).sum());
      }, leaves);
      expect(res.ok, res.report).toBe(true);
    });
  }
});
