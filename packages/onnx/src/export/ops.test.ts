// Each op mapping, exported from small functions with a dynamic batch dim and run in ONNX Runtime at two
// batch sizes against Flint, at opset 17 and at the opsets where a mapping changes (13, 18).
import { describe, expect, test } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { manualSeed, randn, randint, tensor, type Tensor } from '@flint/core';
import { ConvTranspose2d } from '@flint/nn';
import { exportOnnx, type ExportOptions } from './index.js';
import { compare, flintRun, hasOnnxChecker, onnxCheck, runOrt } from './ort.testutil.js';

type Fn = (...x: Tensor[]) => Tensor | Tensor[];
interface Case { name: string; fn?: Fn; make?: () => Fn; inputs: (batch: number) => Tensor[]; opsets?: number[]; dynamic?: ExportOptions['dynamicAxes'] }

const x3 = (n: number) => [randn([n, 3, 4])];
const img = (n: number) => [randn([n, 3, 8, 8])];
const cases: Case[] = [
  { name: 'unary math', inputs: x3, fn: (x) => F.erf(x.abs().add(0.5).log().exp().sqrt().rsqrt().sin().cos().neg().tanh().sigmoid().reciprocal()) },
  { name: 'log1p, expm1, floor, ceil, round, sign', inputs: x3, fn: (x) => F.add(F.log1p(x.abs()), F.expm1(x)).add(x.mul(3).floor()).add(x.mul(3).ceil()).add(x.mul(3).round()).add(x.sign()) },
  { name: 'activations', inputs: x3, fn: (x) => F.cat([x.relu(), F.leakyRelu(x, 0.2), F.gelu(x), F.gelu(x, { approximate: 'tanh' }), F.softplus(x), F.softplus(x, { beta: 2, threshold: 1 }), F.silu(x), F.mish(x), F.hardswish(x), F.hardsigmoid(x)], 2), opsets: [13, 17, 18] },
  { name: 'binary with scalars and alpha', inputs: (n) => [randn([n, 3, 4]), randn([3, 4])], fn: (x, y) => F.sub(2, x).mul(y).add(y, { alpha: 2 }).div(F.maximum(y.abs(), 0.5)).pow(2).sub(F.minimum(x, y)).add(F.remainder(x.mul(4), 1.5)).div(3) },
  { name: 'comparisons, logical ops, where, maskedFill, clamp', inputs: x3, fn: (x) => F.where(F.logicalAnd(x.gt(-0.5), F.logicalNot(x.ge(0.8))), x, F.maskedFill(x, x.lt(0), 7)).add(x.clamp(-0.3, 0.4)).add(x.clamp(x.mul(0.5), 0.2)).add(x.clamp(null, x.abs().mul(0.1))).add(x.eq(0).logicalOr(x.ne(0)).to('float32')) },
  { name: 'reductions', inputs: x3, fn: (x) => [x.sum(1), x.mean([1, 2]), x.amax(-1), x.amin(1), F.logsumexp(x, 2), x.var(1), x.std(2), x.max(1).values, x.argmax(2).to('float32'), x.prod(2)].map((t) => t.reshape([t.shape[0]!, -1])).reduce((a, b) => F.cat([a, b], 1)), opsets: [13, 17, 18] },
  { name: 'softmax, logSoftmax, cumsum', inputs: x3, fn: (x) => F.cat([x.softmax(-1), F.logSoftmax(x, 1), F.cumsum(x, 2)], 2) },
  { name: 'views: permute, transpose, unsqueeze, squeeze, expand, narrow, select', inputs: x3, fn: (x) => x.permute([0, 2, 1]).transpose(1, 2).unsqueeze(1).expand([-1, 2, 3, 4]).narrow(3, 1, 2).select(1, -1).squeeze(0).contiguous() },
  { name: "index: x[..., 1:-1, None, ::2] and x[:, -1], x[0:1]", inputs: (n) => [randn([n, 5, 6])],
    dynamic: { input: { 0: 'batch', 1: 'seq' }, output: { 0: 'batch' } },
    fn: (x) => F.cat([F.index(x, '...', '1:-1', null, '::2').flatten(1).sum(1, true), F.index(x, ':', -1), F.index(x, ':', '1:').flatten(1),
      F.index(x, ':', 0).add(F.index(x, '0:1', 2).expand([x.shape[0]!, 6]))], 1) },
  { name: 'joins: cat, stack, split, flip, repeat, pad', inputs: x3, fn: (x) => {
    const [a, b] = x.split(2, 2);
    return F.cat([F.stack([a!, b!], 1).flatten(1), F.flip(x, [1, 2]).flatten(1), F.pad(x, [1, 2], { value: 0.5 }).flatten(1), F.pad(x, [1, 1, 1, 1], { mode: 'reflect' }).flatten(1), F.pad(x, [2, 0], { mode: 'replicate' }).flatten(1), x.repeat(1, 2, 1).flatten(1)], 1);
  } },
  { name: 'indexing: gather, indexSelect, scatterAdd', opsets: [16, 17], dynamic: { input: { 0: 'batch' }, input_b: { 0: 'batch' }, output: { 0: 'batch' } }, inputs: (n) => [randn([n, 5]), randint(0, 5, [n, 3])],
    fn: (x, i) => F.cat([F.gather(x, 1, i), F.indexSelect(x, 1, tensor([4, 0], { dtype: 'int64' })), F.scatterAdd(x, 1, i, x.narrow(1, 0, 3))], 1) },
  { name: 'reshape with two dynamic axes (Shape/Gather/Concat)', inputs: (n) => [randn([n, 4, 6])], dynamic: { input: { 0: 'batch', 1: 'seq' }, output: { 0: 'batch', 1: 'seq' } },
    fn: (x) => { const [b, t] = x.shape as [number, number]; return x.reshape([b * t, 6]).mul(2).reshape([b, t, 6]); } },
  { name: 'zeros of a dynamic shape (ConstantOfShape)', inputs: x3, fn: (x) => x.add(F.ones([x.shape[0]!, 3, 4])) },
  { name: 'conv1d, conv2d (stride, dilation, groups, same padding), pooling', inputs: img, make: () => {
    const w = randn([6, 1, 3, 3]), w1 = randn([4, 3, 3]), w2 = randn([4, 6, 3, 3]), b2 = randn([4]);
    return (x) => {
    const y = F.conv2d(x, w, null, { padding: 'same', groups: 3, dilation: 2 });
    const z = F.maxPool2d(F.conv2d(y, w2, b2, { stride: 2, padding: 1 }), 2, { ceilMode: true });
    return F.cat([F.avgPool2d(y, 3, { stride: 2, padding: 1, countIncludePad: false }).flatten(1), F.adaptiveAvgPool2d(z, 1).flatten(1), F.adaptiveAvgPool2d(y, 2).flatten(1), F.conv1d(x.flatten(2), w1, null, { stride: 2 }).flatten(1)], 1);
  }; } },
  { name: 'ConvTranspose2d (stride, padding, output padding, groups) and its bias', inputs: (n) => [randn([n, 4, 5, 6])], make: () => {
    const up = new ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1 }), grouped = new ConvTranspose2d(4, 4, 2, { stride: 2, groups: 2, bias: false });
    return (x) => F.cat([up.call(x).flatten(1), grouped.call(x).flatten(1), up.call(x, [9, 12]).flatten(1)], 1);
  } },
  { name: 'batchNorm, layerNorm (LayerNormalization at 17, decomposed at 13)', opsets: [13, 17], inputs: img, make: () => {
    // well-conditioned statistics: float32 rounding in either runtime stays far below the tolerance
    const [m, v, w, b, lw, lb] = [randn([3]), F.rand([3]).add(0.5), F.rand([3]).add(0.5), randn([3]), randn([8, 8]), randn([8, 8])];
    return (x) => F.layerNorm(F.batchNorm(x, m, v, { weight: w, bias: b, eps: 1e-3 }), [8, 8], { weight: lw, bias: lb }).add(F.layerNorm(x, 8));
  } },
  { name: 'batchNormRelu (BatchNormalization, Relu)', inputs: img, make: () => {
    const [m, v, w, b] = [randn([3]), F.rand([3]).add(0.5), F.rand([3]).add(0.5), randn([3])];
    return (x) => F.batchNormRelu(x, m, v, { weight: w, bias: b, eps: 1e-3 });
  } },
  { name: 'linear (Gemm) and 3-d linear (MatMul), matmul', inputs: x3, make: () => {
    const [w, b, w2, m] = [randn([5, 4]), randn([5]), randn([2, 15]), randn([2, 3])];
    return (x) => F.linear(F.linear(x, w, b).flatten(1), w2).matmul(m);
  } },
  { name: 'scaledDotProductAttention: causal, bool mask (a row masked out), float mask', opsets: [13, 17], inputs: (n) => [randn([n, 2, 5, 4])],
    dynamic: { input: { 0: 'batch', 2: 'seq' }, output: { 0: 'batch', 2: 'seq' } },
    fn: (x) => {
      const L = x.shape[2]!;
      const keep = F.arange(L).lt(L - 1).unsqueeze(0).expand([L, L]).logicalAnd(F.arange(L).unsqueeze(1).gt(0));
      return F.cat([F.scaledDotProductAttention(x, x, x, { isCausal: true }), F.scaledDotProductAttention(x, x.mul(0.5), x, { attnMask: keep }),
        F.scaledDotProductAttention(x, x, x, { attnMask: x.narrow(3, 0, 1).mul(x.narrow(3, 1, 1).transpose(2, 3)) })], 3);
    } },
  { name: 'interpolate: nearest by size, nearest-exact, bilinear by scale, bilinear aligned', inputs: img, opsets: [13, 18], fn: (x) => F.cat([
    F.interpolate(x, { size: [12, 12], mode: 'nearest' }), F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' }),
    F.interpolate(x, { size: [12, 12], mode: 'bilinear', alignCorners: true }), F.interpolate(x, { size: [12, 12], mode: 'nearest-exact' })], 1) },
  { name: 'gruCell and lstmCell steps', inputs: (n) => [randn([n, 12]), randn([n, 4])], dynamic: { input: { 0: 'batch' }, input_b: { 0: 'batch' }, output: { 0: 'batch' } },
    make: () => {
      const [wg, wl, b] = [randn([12, 12]), randn([12, 16]), randn([12])];
      return (x, h) => {
        const g1 = F.gruCell(x, F.linear(F.cat([h, h, h], 1), wg), h, b);
        const { h: h2, c } = F.lstmCell(x.matmul(wl), F.cat([g1, g1, g1, g1], 1), h);
        return F.cat([g1, h2, c], 1);
      };
    } },
  { name: 'sort, argsort (stable: ties keep their order)', inputs: (n) => [randn([n, 7]).mul(2).round()], dynamic: { input: { 0: 'batch', 1: 'len' }, output: { 0: 'batch', 1: 'len' } },
    fn: (x) => F.cat([F.sort(x).values, F.sort(x, { descending: true }).values, F.argsort(x).to('float32'), F.argsort(x, { descending: true }).to('float32')], 1) },
  { name: 'losses: mse, l1, smoothL1, huber, bce, bce with logits (weights), nll and cross entropy (weights, ignoreIndex, probabilities)', opsets: [13, 17],
    inputs: (n) => [randn([n, 4]), F.rand([n, 4]), randint(0, 4, [n])], dynamic: { input_0: { 0: 'batch' }, input_1: { 0: 'batch' }, input_2: { 0: 'batch' } },
    make: () => {
      const w = F.rand([4]).add(0.5);
      return (x, p, t) => {
        const s = (v: Tensor) => v.reshape([1]);
        return F.cat([s(F.mseLoss(x, p)), s(F.l1Loss(x, p, { reduction: 'sum' })), s(F.smoothL1Loss(x, p, { beta: 0.5 })), s(F.huberLoss(x, p, { delta: 0.7 })),
          s(F.binaryCrossEntropy(p.mul(0.98).add(0.01), p.flip(0), { weight: w })), s(F.binaryCrossEntropyWithLogits(x, p, { posWeight: w })),
          s(F.nllLoss(F.logSoftmax(x, 1), t, { weight: w })), s(F.crossEntropy(x, t, { ignoreIndex: 2 })), s(F.crossEntropy(x, p.softmax(1))),
          F.crossEntropy(x, t, { reduction: 'none' }).sum(0, true)], 0);
      };
    } },
  { name: 'einsum, topk, norm', inputs: x3, fn: (x) => F.cat([F.einsum('bij,bkj->bik', x, x).flatten(1), F.topk(x, 2, { dim: 2 }).values.flatten(1),
    F.norm(x, { dim: 2 }), F.norm(x, { p: 1, dim: 1 }), F.norm(x, { p: 3, dim: 2 }), F.norm(x, { p: Infinity, dim: 1 })], 1) },
];

describe('exportOnnx: op mappings in ONNX Runtime', () => {
  for (const c of cases) {
    for (const opset of c.opsets ?? [17]) {
      test(`${c.name} (opset ${opset})`, async () => {
        manualSeed(7);
        // weights are drawn once and captured (as constants of the graph)
        const fixed: Fn = c.make ? c.make() : c.fn!;
        const dynamicAxes = c.dynamic ?? { input: { 0: 'batch' }, output: { 0: 'batch' } };
        const n = c.inputs(2).length;
        const inputNames = n === 1 ? ['input'] : n === 2 ? ['input', 'input_b'] : Array.from({ length: n }, (_, i) => `input_${i}`);
        const bytes = await exportOnnx(fixed, c.inputs(2), { opsetVersion: opset, dynamicAxes, inputNames });
        if (hasOnnxChecker() && opset <= 17) await onnxCheck(bytes);
        for (const n of [2, 5]) {
          const xs = c.inputs(n);
          const theirs = await runOrt(bytes, xs);
          const d = compare(flintRun(fixed, xs)[0]!, theirs.output!);
          expect(d.ok, `batch ${n}: max |diff| ${d.maxAbs}, rel ${d.maxRel}`).toBe(true);
        }
      });
    }
  }
});

