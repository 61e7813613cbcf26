// Every layer's forward and backward against PyTorch: fixtures from tooling/fixtures/gen_nn_layers.py hold
// the state dict, inputs, outputs, and gradients of L = sum(out * w) for each case (see that script).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { scope, type Tensor } from '@flint/core';
import '@flint/autograd';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv1d, Conv2d, ConvTranspose2d,
  CrossEntropyLoss, Embedding, Flatten, GELU, GroupNorm, GRU, L1Loss, LayerNorm, LeakyReLU, Linear, LogSoftmax, LSTM,
  MaxPool2d, MSELoss, Module, NLLLoss, ReLU, RNN, Sequential, Sigmoid, SmoothL1Loss, Softmax, Tanh, load, loadMetadata,
} from './index.js';

const DIR = fileURLToPath(new URL('../fixtures/layers/', import.meta.url));
type Call = (m: Module, ins: Tensor[]) => unknown;
const one: Call = (m, [x]) => m.forward(x);
const two: Call = (m, [a, b]) => m.forward(a, b);
const withH: Call = (m, [x, h]) => m.forward(x, h);

const CASES: Record<string, [() => Module, Call?]> = {
  linear: [() => new Linear(5, 4)],
  linear_nobias_3d: [() => new Linear(5, 3, { bias: false })],
  conv1d: [() => new Conv1d(3, 4, 3, { stride: 2, padding: 1 })],
  conv1d_same_circular: [() => new Conv1d(2, 3, 4, { padding: 'same', paddingMode: 'circular' })],
  conv2d: [() => new Conv2d(3, 4, 3, { padding: 1 })],
  conv2d_groups_dilation: [() => new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 })],
  conv2d_same_even: [() => new Conv2d(2, 3, 4, { padding: 'same', bias: false })],
  conv2d_reflect: [() => new Conv2d(2, 3, 3, { padding: 1, paddingMode: 'reflect' })],
  conv2d_unbatched: [() => new Conv2d(2, 3, 3, { stride: 2 })],
  convtranspose2d: [() => new ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 })],
  convtranspose2d_dilated: [() => new ConvTranspose2d(3, 2, [2, 3], { stride: [1, 2], padding: [0, 1], dilation: [2, 1], bias: false })],
  batchnorm1d_train: [() => new BatchNorm1d(4)],
  batchnorm1d_cumulative: [() => new BatchNorm1d(3, { momentum: null })],
  batchnorm2d_train: [() => new BatchNorm2d(3)],
  batchnorm2d_eval: [() => new BatchNorm2d(3)],
  batchnorm2d_notrack_eval: [() => new BatchNorm2d(3, { affine: false, trackRunningStats: false })],
  layernorm: [() => new LayerNorm([4, 5])],
  groupnorm: [() => new GroupNorm(2, 6)],
  embedding_padding: [() => new Embedding(10, 4, { paddingIdx: 1 })],
  rnn_tanh_2layer: [() => new RNN(4, 5, { numLayers: 2 }), withH],
  rnn_relu_bidir_batchfirst: [() => new RNN(3, 4, { nonlinearity: 'relu', bidirectional: true, batchFirst: true })],
  gru_2layer_bidir: [() => new GRU(4, 5, { numLayers: 2, bidirectional: true }), withH],
  gru_unbatched: [() => new GRU(3, 4)],
  lstm_2layer_batchfirst: [() => new LSTM(4, 5, { numLayers: 2, batchFirst: true }), (m, [x, h, c]) => (m as LSTM).forward(x!, [h!, c!])],
  lstm_bidir_nobias: [() => new LSTM(3, 4, { bidirectional: true, bias: false })],
  relu: [() => new ReLU()],
  leaky_relu: [() => new LeakyReLU(0.2)],
  gelu: [() => new GELU()],
  gelu_tanh: [() => new GELU({ approximate: 'tanh' })],
  sigmoid: [() => new Sigmoid()],
  tanh: [() => new Tanh()],
  softmax: [() => new Softmax(1)],
  log_softmax: [() => new LogSoftmax(1)],
  maxpool2d: [() => new MaxPool2d(2)],
  maxpool2d_ceil: [() => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })],
  avgpool2d: [() => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })],
  adaptive_avgpool2d: [() => new AdaptiveAvgPool2d([2, 3])],
  flatten: [() => new Flatten()],
  cross_entropy: [() => new CrossEntropyLoss({ weight: ones5(), labelSmoothing: 0.1 }), two],
  nll_ignore: [() => new NLLLoss({ ignoreIndex: 3, reduction: 'sum' }), two],
  bce: [() => new BCELoss({ weight: ones3() }), two],
  bce_logits: [() => new BCEWithLogitsLoss({ posWeight: ones3() }), two],
  mse_sum: [() => new MSELoss({ reduction: 'sum' }), two],
  l1: [() => new L1Loss(), two],
  smooth_l1: [() => new SmoothL1Loss({ beta: 0.5, reduction: 'none' }), two],
  sequential_cnn: [() => new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3))],
};
// loss weights are buffers: the model's placeholder values get replaced by the fixture's through loadStateDict
import { ones } from '@flint/core';
function ones5(): Tensor { return ones([5]); }
function ones3(): Tensor { return ones([3]); }

const flat = (v: unknown): Tensor[] => (Array.isArray(v) ? v.flatMap(flat) : [v as Tensor]);
const pick = (all: Record<string, Tensor>, prefix: string): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
const indexed = (d: Record<string, Tensor>): Tensor[] => Object.keys(d).map(Number).sort((a, b) => a - b).map((i) => d[String(i)]!);

/** max |a - b|, after checking shapes and that every element is within atol + rtol * |b|. */
function compare(what: string, got: Tensor, want: Tensor, atol = 1e-5, rtol = 1e-4): number {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const a = got.dataSync(), b = want.dataSync();
  let worst = 0, bad = -1;
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]), y = Number(b[i]), d = Math.abs(x - y);
    if (!(d <= atol + rtol * Math.abs(y))) bad = bad < 0 ? i : bad;
    worst = Math.max(worst, d);
  }
  expect(bad, `${what}: element ${bad} is ${a[bad]}, PyTorch has ${b[bad]} (max abs diff ${worst})`).toBe(-1);
  return worst;
}

const report: Record<string, { forward: number; backward: number }> = {};
afterAll(() => {
  const rows = Object.entries(report).map(([k, v]) => `${k.padEnd(28)} forward ${v.forward.toExponential(2)}  backward ${v.backward.toExponential(2)}`);
  console.log(`max abs difference from PyTorch, per case:\n${rows.join('\n')}`);
});

describe('layers match PyTorch (forward, backward, buffers, print)', () => {
  for (const [name, [make, call = one]] of Object.entries(CASES)) {
    it(name, () => {
      const file = `${DIR}${name}.safetensors`;
      const meta = loadMetadata(readFileSync(file));
      scope(() => {
        const all = load(file);
        const m = make().train(meta.training === '1');
        m.loadStateDict(pick(all, 'state.'));
        expect(m.toString()).toBe(meta.repr);
        const grads = pick(all, 'grad.');
        const ins = indexed(pick(all, 'input.')).map((t, i) => (grads[`input.${i}`] ? t.clone().requiresGrad_() : t));
        const outs = flat(call(m, ins));
        const want = indexed(pick(all, 'output.')), ws = indexed(pick(all, 'w.'));
        expect(outs.length).toBe(want.length);
        let fwd = 0, bwd = 0;
        outs.forEach((o, i) => { fwd = Math.max(fwd, compare(`output.${i}`, o, want[i]!)); });
        outs.map((o, i) => o.mul(ws[i]!).sum()).reduce((a, b) => a.add(b)).backward();
        ins.forEach((x, i) => {
          const g = grads[`input.${i}`];
          if (g) bwd = Math.max(bwd, compare(`grad of input.${i}`, x.grad!, g, 1e-4));
        });
        for (const [k, p] of m.namedParameters()) bwd = Math.max(bwd, compare(`grad of ${k}`, p.grad!, grads[k]!, 1e-4));
        for (const [k, b] of m.namedBuffers()) {
          const after = all[`after.${k}`];
          if (after && !k.endsWith('weight')) compare(`buffer ${k} after forward`, b, after);
        }
        report[name] = { forward: fwd, backward: bwd };
      });
    });
  }
});
