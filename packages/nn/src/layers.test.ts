// Every layer's forward and backward against PyTorch: fixtures from tooling/fixtures/gen_nn_layers.py hold
// the state dict, inputs, outputs, and gradients of L = sum(out * w) for each case (see that script).
import { fileURLToPath } from 'node:url';
import '@flint/backend-cpu';
import type { Tensor } from '@flint/core';
import '@flint/autograd';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv1d, Conv2d, ConvTranspose2d,
  CrossEntropyLoss, Embedding, Flatten, GELU, GroupNorm, GRU, L1Loss, LayerNorm, LeakyReLU, Linear, LogSoftmax, LSTM,
  MaxPool2d, MSELoss, Module, NLLLoss, ReLU, RNN, Sequential, Sigmoid, SmoothL1Loss, Softmax, Tanh,
} from './index.js';
import { describeParity } from './parity.js';

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
  batchnorm2d_relu_train: [() => new BatchNorm2d(3), (m, [x]) => (m as BatchNorm2d).forwardRelu(x)],
  batchnorm2d_relu_eval: [() => new BatchNorm2d(3), (m, [x]) => (m as BatchNorm2d).forwardRelu(x)],
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

describeParity('layers match PyTorch (forward, backward, buffers, print)', DIR, CASES, one);

