// gradcheck (float64 finite differences) through the nn ops, on the CPU backend's fused kernels and
// on core's composites (a CPU backend cut down to the required tier).
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@flint/backend-cpu';
import * as F from '@flint/core';
import { grad, gradcheck } from '@flint/autograd';
import { withoutKernels } from '@flint/backend-testkit';

F.registerBackend('cpu-required', withoutKernels(createCpuBackend, 'optional', 'cpu-required'));

describe('batch norm gradient rules', () => {
  it("save the forward's statistics: a backward reads no batchNormStats (nor relu's gradient apart), and gives the gradients the recomputed statistics give, bit for bit", () => {
    const counts = new Map<string, number>();
    F.registerBackend('cpu-counting', () => {
      const b = createCpuBackend();
      const kernels = Object.fromEntries(Object.entries(b.kernels).map(([k, f]) => [k, (...a: Parameters<typeof f>) => { counts.set(k, (counts.get(k) ?? 0) + 1); return (f as (...x: unknown[]) => unknown)(...a); }]));
      return { ...b, name: 'cpu-counting', kernels: kernels as typeof b.kernels };
    }, -1);
    const opts = { dtype: 'float32' as const, device: 'cpu-counting' };
    for (const norm of [F.batchNorm, F.batchNormRelu]) {
      F.manualSeed(5);
      const x = F.randn([4, 3, 5, 5], opts).requiresGrad_(), w = F.randn([3], opts).requiresGrad_(), g = F.randn([4, 3, 5, 5], opts);
      counts.clear();
      const [gx, gw] = grad(norm(x, null, null, { weight: w, training: true }).mul(g).sum(), [x, w]);
      const relu = norm === F.batchNormRelu;
      expect(counts.get('batchNormStats') ?? 0).toBe(0);
      // batchNormRelu's gradient: relu's and batch norm's in one kernel
      expect([counts.get('batchNormBackward') ?? 0, counts.get('batchNormReluBackward') ?? 0, counts.get('reluBackward') ?? 0]).toEqual(relu ? [0, 1, 0] : [1, 0, 0]);
      // what the rule computed before it saved the statistics: batchNormStats, then the backward kernel
      const { mean, invstd } = F.batchNormStats(x.detach());
      const gy = relu ? F.reluBackward(g, norm(x.detach(), null, null, { weight: w.detach(), training: true })) : g;
      const want = F.batchNormBackward(gy, x.detach(), w.detach(), mean, invstd);
      expect([gx!.dataSync(), gw!.dataSync()]).toEqual([want.gradInput.dataSync(), want.gradWeight.dataSync()]);
    }
    F.removeBackend('cpu-counting');
  });
});

for (const device of ['cpu', 'cpu-required']) {
  const r = (shape: number[], scale = 1) => F.randn(shape, { dtype: 'float64', device }).mul(scale).requiresGrad_();
  const weights = (t: F.Tensor) => F.randn([...t.shape], { dtype: 'float64', device });
  const check = async (fn: (...xs: F.Tensor[]) => F.Tensor, inputs: F.Tensor[]) => {
    F.manualSeed(3);
    const out = fn(...inputs);
    const w = weights(out);
    const res = await gradcheck((...xs) => fn(...xs).mul(w).sum(), inputs, { raiseException: false });
    expect(res.report).toMatch(/passed/);
  };
  describe(`nn gradients on ${device}`, () => {
    it('conv2d with stride, padding, dilation, groups and bias', async () => {
      await check((x, w, b) => F.conv2d(x!, w!, b, { stride: 2, padding: 1, dilation: [1, 2], groups: 2 }), [r([2, 4, 5, 6]), r([4, 2, 3, 2]), r([4])]);
      await check((x, w) => F.conv2d(x!, w!, null, { padding: 'same' }), [r([1, 2, 4, 4]), r([3, 2, 2, 2])]);
    });
    it('conv2d double backward', async () => {
      const x = r([1, 2, 4, 4]), w = r([2, 2, 3, 3]);
      await check((xx, ww) => {
        const [gx] = grad(F.conv2d(xx!, ww!, null, { padding: 1 }).pow(2).sum(), [xx!], { createGraph: true });
        return gx!;
      }, [x, w]);
    });
    it('pooling', async () => {
      await check((x) => F.maxPool2d(x!, 2, { stride: 1, padding: 1 }), [r([2, 2, 5, 5])]);
      await check((x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [r([1, 2, 6, 7])]);
      await check((x) => F.adaptiveAvgPool2d(x!, [3, 2]), [r([1, 2, 7, 5])]);
    });
    it('batchNorm in training and eval, layerNorm', async () => {
      const rm = F.zeros([3], { dtype: 'float64', device }), rv = F.ones([3], { dtype: 'float64', device });
      await check((x, w, b) => F.batchNorm(x!, null, null, { weight: w, bias: b, training: true }), [r([4, 3, 2, 2]), r([3]), r([3])]);
      await check((x, w) => F.batchNorm(x!, rm, rv, { weight: w, training: false }), [r([4, 3, 5]), r([3])]);
      await check((x, w, b) => F.layerNorm(x!, [3, 4], { weight: w, bias: b }), [r([2, 3, 4]), r([3, 4]), r([3, 4])]);
    });
    it('batchNormRelu in training and eval', async () => {
      const rm = F.zeros([3], { dtype: 'float64', device }), rv = F.ones([3], { dtype: 'float64', device });
      await check((x, w, b) => F.batchNormRelu(x!, null, null, { weight: w, bias: b, training: true }), [r([4, 3, 2, 2]), r([3]), r([3])]);
      await check((x, w) => F.batchNormRelu(x!, rm, rv, { weight: w, training: false }), [r([4, 3, 5]), r([3])]);
    });
    it('batchNorm and batchNormRelu double backward in training (the statistics recomputed differentiably)', async () => {
      for (const norm of [F.batchNorm, F.batchNormRelu]) {
        await check((xx, ww) => {
          const [gx] = grad(norm(xx!, null, null, { weight: ww, training: true }).pow(3).sum(), [xx!], { createGraph: true });
          return gx!;
        }, [r([3, 2, 2, 2]), r([2])]);
      }
    });
    it('losses', async () => {
      const target = F.tensor([2, 0, -100, 1], { dtype: 'int64', device });
      await check((x) => F.crossEntropy(x!, target), [r([4, 3])]);
      await check((x) => F.crossEntropy(x!, target, { reduction: 'none' }), [r([4, 3])]);
      await check((x, w) => F.crossEntropy(x!, target, { weight: w!.abs(), labelSmoothing: 0.1 }), [r([4, 3]), r([3])]);
      await check((x) => F.nllLoss(F.logSoftmax(x!, 1), target, { reduction: 'sum' }), [r([4, 3])]);
      await check((x, y) => F.mseLoss(x!, y!), [r([3, 2]), r([3, 2])]);
      await check((x, y) => F.smoothL1Loss(x!, y!, { beta: 0.5 }), [r([3, 2]), r([3, 2])]);
      const y = F.rand([5], { dtype: 'float64', device });
      await check((x) => F.binaryCrossEntropyWithLogits(x!, y, { posWeight: F.full([5], 2, { dtype: 'float64', device }) }), [r([5])]);
      await check((x) => F.binaryCrossEntropy(F.sigmoid(x!), y), [r([5])]);
    });
    it('gruCell and lstmCell, through h, c, the hidden bias and chained steps', async () => {
      await check((xg, hg, h) => F.gruCell(xg!, hg!, h!), [r([3, 6]), r([3, 6]), r([3, 2])]);
      await check((xg, hg, h, b) => F.gruCell(xg!, hg!, h!, b), [r([3, 6]), r([3, 6]), r([3, 2]), r([6])]);
      await check((xg, hg, c) => { const o = F.lstmCell(xg!, hg!, c!); return F.cat([o.h, o.c.mul(0.5)], 1); }, [r([3, 8]), r([3, 8]), r([3, 2])]);
      await check((xg, hg, c) => F.lstmCell(xg!, hg!, c!).h, [r([2, 12], 2), r([2, 12]), r([2, 3])]);
      await check((xg, hg, c) => F.lstmCell(xg!, hg!, c!).c, [r([2, 12], 2), r([2, 12]), r([2, 3])]);
      // two chained steps: the second step's gradient flows into the first's outputs
      await check((xg, hg, h, b) => { const h1 = F.gruCell(xg!, hg!, h!, b); return F.gruCell(xg!.mul(0.5), hg!, h1, b); }, [r([2, 9]), r([2, 9]), r([2, 3]), r([9])]);
      await check((xg, hg, c) => { const s1 = F.lstmCell(xg!, hg!, c!); return F.lstmCell(hg!, xg!.mul(s1.h.sum()), s1.c).h; }, [r([2, 8]), r([2, 8]), r([2, 2])]);
    });
    it('dropout scales kept elements (same mask in every evaluation)', async () => {
      await check((x) => { F.manualSeed(11); return F.dropout(x!, 0.3, true); }, [r([20])]);
    });
    it('composites without rules: gelu, softplus, embedding, flip, pad reflect, std, logsumexp', async () => {
      await check((x) => F.gelu(x!), [r([6])]);
      await check((x) => F.gelu(x!, { approximate: 'tanh' }), [r([6])]);
      await check((x) => F.softplus(x!, { beta: 2 }), [r([6])]);
      await check((wt) => F.embedding(F.tensor([[0, 2], [2, 1]], { dtype: 'int64', device }), wt!), [r([3, 4])]);
      await check((x) => F.pad(x!, [2, 1], { mode: 'reflect' }).flip(0), [r([2, 4])]);
      await check((x) => x!.std(1), [r([3, 4])]);
      await check((x) => x!.logsumexp(0), [r([3, 4])]);
    });
  });
}
