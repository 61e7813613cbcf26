// The optional tier: kernels a backend may add to go fast. Core composes each from the required tier when
// a backend lacks it, so leaving one out costs speed, never correctness.
import { spec } from './required.js';
import { bool, int, ints, nullable, num, oneOf, pair } from './types.js';

const floatX = [{ name: 'x', dtype: 'float' }] as const;
const sameAsX = [{ name: 'out', dtype: 'same', shape: 'x' }] as const;
const activation = <const A extends Record<string, ReturnType<typeof num>>>(doc: string, composite: string, attrs: A, dtype: 'float' | 'numeric' = 'float') =>
  spec({ tier: 'optional', family: 'activation', doc, composite, inputs: [{ name: 'x', dtype }], outputs: sameAsX, attrs, strided: true, since: 0 });

const scalar = num('the scalar operand, already representable in x\'s dtype (core rounds it)');
const reverse = bool('true: the scalar is the left operand (scalar OP x)');
/** x OP scalar: PyTorch's Python-scalar operands, with no buffer or fill kernel for the scalar. */
const scalarArith = (op: string, doc: string, withReverse: boolean) =>
  spec({
    tier: 'optional', family: 'scalar', since: 0, strided: true, doc: `${doc}; the ${op} kernel with a scalar operand`,
    composite: `${op} with the scalar in a 0-d tensor`, inputs: [{ name: 'x', dtype: 'numeric' }], outputs: sameAsX,
    attrs: withReverse ? { scalar, reverse } : { scalar },
  });
const scalarCompare = (op: string, doc: string) =>
  spec({
    tier: 'optional', family: 'scalar', since: 0, strided: true, doc: `${doc}; the ${op} kernel with a scalar operand (core flips scalar-first comparisons)`,
    composite: `${op} with the scalar in a 0-d tensor`, inputs: [{ name: 'x', dtype: 'numeric' }], outputs: [{ name: 'out', dtype: 'bool', shape: 'x' }],
    attrs: { scalar },
  });

const convAttrs = {
  stride: pair('[sh, sw], >= 1'), padding: pair('[ph, pw] zeros on each side (core applies asymmetric "same" padding itself)'),
  dilation: pair('[dh, dw], >= 1'), groups: int('input and output channels split into this many groups'),
} as const;
const poolAttrs = {
  kernelSize: pair('[kh, kw]'), stride: pair('[sh, sw]'), padding: pair('[ph, pw], at most half the kernel'),
  ceilMode: bool("torch's ceil_mode for the output size (out's shape already reflects it)"),
} as const;
const avgAttrs = {
  ...poolAttrs,
  countIncludePad: bool('divide by the window size including padding'),
  divisorOverride: nullable(int('divide by this instead, when not null')),
} as const;

/** batchNorm's and batchNormRelu's attributes, inputs and outputs. */
const batchNormIO = {
  attrs: { training: bool('use batch statistics'), eps: num('added to the variance') },
  inputs: [
    { name: 'x', dtype: 'float', shape: '[N, C, S]' }, { name: 'weight', dtype: 'same', shape: '[C] (ones when the op has none)' },
    { name: 'bias', dtype: 'same', shape: '[C] (zeros when none)' }, { name: 'runningMean', dtype: 'same', shape: '[C]' }, { name: 'runningVar', dtype: 'same', shape: '[C]' },
  ],
  outputs: [{ name: 'y', dtype: 'same', shape: '[N, C, S]' }, { name: 'saveMean', dtype: 'same', shape: '[C] (training)' }, { name: 'saveInvstd', dtype: 'same', shape: '[C] (training)' }],
} as const;
/** The outputs of batch norm's backward kernels. */
const batchNormGrads = [{ name: 'gradInput', dtype: 'same', shape: '[N, C, S]' }, { name: 'gradWeight', dtype: 'same', shape: '[C]' }, { name: 'gradBias', dtype: 'same', shape: '[C]' }] as const;

export const OPTIONAL = {
  rsqrt: activation('1 / sqrt(x)', 'div(1, sqrt(x))', {}),
  reciprocal: activation('1 / x', 'div(1, x)', {}),
  sigmoid: activation('1 / (1 + e^-x)', 'div(1, add(exp(neg(x)), 1))', {}),
  relu: activation('max(x, 0); NaN stays NaN', 'maximum(x, 0)', {}, 'numeric'),
  gelu: spec({
    tier: 'optional', family: 'activation', since: 0, strided: true, doc: 'x * Φ(x), or its tanh approximation', composite: 'erf/tanh composite',
    inputs: floatX, outputs: sameAsX, attrs: { approximate: oneOf(['none', 'tanh'] as const, "'none': exact (erf); 'tanh': 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))") },
  }),
  leakyRelu: activation('x if x > 0 else x * negativeSlope', 'where(gt(x, 0), x, mul(x, negativeSlope))', { negativeSlope: num('slope for x <= 0') }),
  softplus: activation('log(1 + e^(beta x)) / beta, or x where beta x > threshold', 'where/log1p/exp composite', { beta: num('beta'), threshold: num('linear above this') }),

  addScalar: scalarArith('add', 'x + scalar', false),
  subScalar: scalarArith('sub', 'x - scalar, or scalar - x when reverse', true),
  mulScalar: scalarArith('mul', 'x * scalar', false),
  divScalar: scalarArith('div', 'x / scalar, or scalar / x when reverse (x is floating: core casts integers first)', true),
  powScalar: scalarArith('pow', 'x ** scalar, or scalar ** x when reverse', true),
  maximumScalar: scalarArith('maximum', 'max(x, scalar); NaN if either is NaN', false),
  minimumScalar: scalarArith('minimum', 'min(x, scalar); NaN if either is NaN', false),
  remainderScalar: scalarArith('remainder', "Python's x % scalar, or scalar % x when reverse", true),
  eqScalar: scalarCompare('eq', 'x == scalar'), neScalar: scalarCompare('ne', 'x != scalar'),
  ltScalar: scalarCompare('lt', 'x < scalar'), leScalar: scalarCompare('le', 'x <= scalar'),
  gtScalar: scalarCompare('gt', 'x > scalar'), geScalar: scalarCompare('ge', 'x >= scalar'),

  softmax: spec({
    tier: 'optional', family: 'softmax', since: 0, strided: false, attrs: {}, doc: 'softmax over the last dim (core moves the dim last)',
    composite: 'max, exp, sum, div', inputs: floatX, outputs: sameAsX,
  }),
  logSoftmax: spec({
    tier: 'optional', family: 'softmax', since: 0, strided: false, attrs: {}, doc: 'log-softmax over the last dim',
    composite: 'max, exp, sum, log, sub', inputs: floatX, outputs: sameAsX,
  }),
  crossEntropy: spec({
    tier: 'optional', family: 'softmax', since: 0, strided: false, composite: 'logSoftmax, then gather at the targets',
    doc: "Fused log-softmax and negative log-likelihood with class-index targets, no class weights, no label smoothing. A target outside [0, C) that is not ignoreIndex is an IndexError (thrown, or reported at the next read).",
    inputs: [{ name: 'logits', dtype: 'float', shape: '[N, C]' }, { name: 'target', dtype: 'index', shape: '[N]' }],
    outputs: [{ name: 'loss', dtype: 'same', shape: "[] ('mean', 'sum') or [N] ('none')" }],
    attrs: { ignoreIndex: int('rows with this target count as 0 and are left out of the mean'), reduction: oneOf(['mean', 'sum', 'none'] as const, "'mean' divides by the rows not ignored") },
  }),

  conv2d: spec({
    tier: 'optional', family: 'conv', since: 0, strided: false, attrs: convAttrs, composite: 'im2col as one gather, then one batched matmul',
    doc: 'cross-correlation (torch.nn.functional.conv2d) with symmetric zero padding',
    inputs: [{ name: 'x', dtype: 'float', shape: '[N, C, H, W]' }, { name: 'weight', dtype: 'same', shape: '[O, C/groups, kh, kw]' }, { name: 'bias', dtype: 'same', shape: '[O]', optional: true }],
    outputs: [{ name: 'y', dtype: 'same', shape: '[N, O, Ho, Wo]' }],
  }),
  conv2dBackwardInput: spec({
    tier: 'optional', family: 'conv', since: 0, strided: false, composite: 'matmul, then col2im with scatterAdd',
    doc: "gradient of conv2d with respect to its input", attrs: { ...convAttrs, inputShape: ints('[N, C, H, W] of the input') },
    inputs: [{ name: 'gradOut', dtype: 'float', shape: '[N, O, Ho, Wo]' }, { name: 'weight', dtype: 'same' }],
    outputs: [{ name: 'gradInput', dtype: 'same', shape: 'inputShape' }],
  }),
  conv2dBackwardWeight: spec({
    tier: 'optional', family: 'conv', since: 0, strided: false, composite: 'im2col, then matmul and a sum over the batch',
    doc: 'gradient of conv2d with respect to its weight', attrs: { ...convAttrs, weightShape: ints('[O, C/groups, kh, kw]') },
    inputs: [{ name: 'gradOut', dtype: 'float', shape: '[N, O, Ho, Wo]' }, { name: 'x', dtype: 'same', shape: '[N, C, H, W]' }],
    outputs: [{ name: 'gradWeight', dtype: 'same', shape: 'weightShape' }],
  }),

  maxPool2d: spec({
    tier: 'optional', family: 'pool', since: 0, strided: false, composite: 'gather every window, then max over the window axis',
    doc: 'max pooling with padding treated as -inf; indices are flat h*W + w within each input plane (first maximum; NaN wins)',
    attrs: { ...poolAttrs, dilation: pair('[dh, dw], >= 1') },
    inputs: [{ name: 'x', dtype: 'float', shape: '[N, C, H, W]' }],
    outputs: [{ name: 'values', dtype: 'same', shape: '[N, C, Ho, Wo]' }, { name: 'indices', dtype: 'index', shape: '[N, C, Ho, Wo]' }],
  }),
  maxPool2dBackward: spec({
    tier: 'optional', family: 'pool', since: 0, strided: false, composite: 'scatterAdd of gradOut at the indices',
    doc: 'gradient of maxPool2d: gradOut added at the argmax positions', attrs: { inputShape: ints('[N, C, H, W] of the input') },
    inputs: [{ name: 'gradOut', dtype: 'float', shape: '[N, C, Ho, Wo]' }, { name: 'indices', dtype: 'index', shape: "maxPool2d's indices" }],
    outputs: [{ name: 'gradInput', dtype: 'same', shape: 'inputShape' }],
  }),
  avgPool2d: spec({
    tier: 'optional', family: 'pool', since: 0, strided: false, attrs: avgAttrs, composite: 'gather every window, sum, divide',
    doc: "average pooling with torch's divisor rules (windows clipped to input + padding)",
    inputs: [{ name: 'x', dtype: 'float', shape: '[N, C, H, W]' }], outputs: [{ name: 'y', dtype: 'same', shape: '[N, C, Ho, Wo]' }],
  }),
  avgPool2dBackward: spec({
    tier: 'optional', family: 'pool', since: 0, strided: false, composite: 'scatterAdd of each window share',
    doc: 'gradient of avgPool2d', attrs: { ...avgAttrs, inputShape: ints('[N, C, H, W] of the input') },
    inputs: [{ name: 'gradOut', dtype: 'float', shape: '[N, C, Ho, Wo]' }], outputs: [{ name: 'gradInput', dtype: 'same', shape: 'inputShape' }],
  }),

  batchNorm: spec({
    tier: 'optional', family: 'norm', since: 0, strided: false, composite: 'mean and biased variance over N and S, then scale and shift',
    doc: 'batch normalization over dim 1 of x [N, C, S]. Training normalizes with the batch statistics and returns them (saveMean, saveInvstd = 1/sqrt(biasedVar + eps)); eval uses the running ones. Core updates the running statistics; the kernel only reads them.',
    ...batchNormIO,
  }),
  batchNormRelu: spec({
    tier: 'optional', family: 'norm', since: 2, strided: false, composite: 'batchNorm, then relu',
    doc: "relu of batchNorm's output (the BN-ReLU of DenseNet and ResNet blocks) in one pass: y = max(batchNorm(x), 0), NaN kept, -0 made +0 as relu does; saveMean and saveInvstd as batchNorm's. Core updates the running statistics; the kernel only reads them.",
    ...batchNormIO,
  }),
  batchNormBackward: spec({
    tier: 'optional', family: 'norm', since: 0, strided: false, composite: 'sums over N and S',
    doc: 'gradients of training-mode batchNorm from the statistics it normalized with (core runs eval-mode gradients as a composite)',
    attrs: { training: bool('always true when core calls the kernel') },
    inputs: [
      { name: 'gradOut', dtype: 'float', shape: '[N, C, S]' }, { name: 'x', dtype: 'same', shape: '[N, C, S]' }, { name: 'weight', dtype: 'same', shape: '[C]' },
      { name: 'saveMean', dtype: 'same', shape: '[C]' }, { name: 'saveInvstd', dtype: 'same', shape: '[C]' },
    ],
    outputs: batchNormGrads,
  }),
  batchNormReluBackward: spec({
    tier: 'optional', family: 'norm', since: 2, strided: false, composite: 'reluBackward, then batchNormBackward',
    doc: "gradients of training-mode batchNormRelu from its output and the statistics it normalized with: batchNormBackward of reluBackward(gradOut, out), one pass fewer over memory",
    attrs: { training: bool('always true when core calls the kernel') },
    inputs: [
      { name: 'gradOut', dtype: 'float', shape: '[N, C, S]' }, { name: 'out', dtype: 'same', shape: "[N, C, S]: batchNormRelu's output" },
      { name: 'x', dtype: 'same', shape: '[N, C, S]' }, { name: 'weight', dtype: 'same', shape: '[C]' },
      { name: 'saveMean', dtype: 'same', shape: '[C]' }, { name: 'saveInvstd', dtype: 'same', shape: '[C]' },
    ],
    outputs: batchNormGrads,
  }),
  reluBackward: spec({
    tier: 'optional', family: 'activationGrad', since: 2, strided: false, composite: 'where(le(out, 0), 0, gradOut)',
    doc: "relu's gradient from its output (torch's threshold_backward at 0): gradOut where out > 0 or out is NaN, else 0; the chosen gradient's bits are kept",
    attrs: {},
    inputs: [{ name: 'gradOut', dtype: 'float' }, { name: 'out', dtype: 'same', shape: 'gradOut' }],
    outputs: [{ name: 'gradIn', dtype: 'same', shape: 'gradOut' }],
  }),
  batchNormStats: spec({
    tier: 'optional', family: 'norm', since: 2, strided: false, composite: 'mean and biased variance over N and S (four passes)',
    doc: "the per-channel statistics training-mode batchNorm normalizes with, as its saveMean and saveInvstd: what batchNorm's gradient reads (torch's batch_norm_stats)",
    attrs: { eps: num('added to the variance before the square root') },
    inputs: [{ name: 'x', dtype: 'float', shape: '[N, C, S]' }],
    outputs: [{ name: 'mean', dtype: 'same', shape: '[C]' }, { name: 'invstd', dtype: 'same', shape: '[C]: 1/sqrt(biased var + eps)' }],
  }),
  layerNorm: spec({
    tier: 'optional', family: 'norm', since: 0, strided: false, composite: 'mean and biased variance over D',
    doc: 'layer normalization of each row of x [M, D]; also returns each row\'s mean and 1/sqrt(var + eps)',
    attrs: { eps: num('added to the variance') },
    inputs: [{ name: 'x', dtype: 'float', shape: '[M, D]' }, { name: 'weight', dtype: 'same', shape: '[D] (ones when none)' }, { name: 'bias', dtype: 'same', shape: '[D] (zeros when none)' }],
    outputs: [{ name: 'y', dtype: 'same', shape: '[M, D]' }, { name: 'mean', dtype: 'same', shape: '[M]' }, { name: 'rstd', dtype: 'same', shape: '[M]' }],
  }),

  gruCell: spec({
    tier: 'optional', family: 'rnn', since: 0, strided: false, attrs: {}, composite: 'split, sigmoid, tanh, mul, add',
    doc: "one GRU step after its two matmuls (B = batch, H = hidden): r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r ∘ h_n), h' = (1 - z) ∘ n + z ∘ h, where hGates (+ hBias) gives h_r, h_z, h_n. Also writes a workspace of planes r, z, n, h_n that the backward kernel reads, so it recomputes nothing.",
    inputs: [
      { name: 'xGates', dtype: 'float', shape: '[B, 3H] = x W_ihᵀ + b_ih' }, { name: 'hGates', dtype: 'same', shape: '[B, 3H] = h W_hhᵀ' },
      { name: 'h', dtype: 'same', shape: '[B, H]' }, { name: 'hBias', dtype: 'same', shape: '[3H] = b_hh', optional: true },
    ],
    outputs: [{ name: 'hNew', dtype: 'same', shape: '[B, H]' }, { name: 'workspace', dtype: 'same', shape: '[4, B, H]: r, z, n, h_n' }],
  }),
  gruCellBackward: spec({
    tier: 'optional', family: 'rnn', since: 0, strided: false, attrs: {}, composite: 'elementwise ops on the workspace planes',
    doc: "gradients of gruCell from the gradient of h', the previous h and gruCell's workspace",
    inputs: [{ name: 'gradH', dtype: 'float', shape: '[B, H]' }, { name: 'h', dtype: 'same', shape: '[B, H]' }, { name: 'workspace', dtype: 'same', shape: '[4, B, H]' }],
    outputs: [{ name: 'gradXGates', dtype: 'same', shape: '[B, 3H]' }, { name: 'gradHGates', dtype: 'same', shape: '[B, 3H]' }, { name: 'gradPrevH', dtype: 'same', shape: '[B, H]' }],
  }),
  lstmCell: spec({
    tier: 'optional', family: 'rnn', since: 0, strided: false, attrs: {}, composite: 'split, sigmoid, tanh, mul, add',
    doc: "one LSTM step after its matmuls: gates i, f, g, o = xGates + hGates; c' = σ(f) ∘ c + σ(i) ∘ tanh(g), h' = σ(o) ∘ tanh(c'). Also writes a workspace of planes σ(i), σ(f), tanh(g), σ(o), tanh(c').",
    inputs: [{ name: 'xGates', dtype: 'float', shape: '[B, 4H]' }, { name: 'hGates', dtype: 'same', shape: '[B, 4H]' }, { name: 'c', dtype: 'same', shape: '[B, H]' }],
    outputs: [{ name: 'hNew', dtype: 'same', shape: '[B, H]' }, { name: 'cNew', dtype: 'same', shape: '[B, H]' }, { name: 'workspace', dtype: 'same', shape: '[5, B, H]' }],
  }),
  lstmCellBackward: spec({
    tier: 'optional', family: 'rnn', since: 0, strided: false, attrs: {}, composite: 'elementwise ops on the workspace planes',
    doc: "gradients of lstmCell from the gradients of h' and c' (zeros where one is unused), the previous c and the workspace",
    inputs: [{ name: 'gradH', dtype: 'float', shape: '[B, H]' }, { name: 'gradC', dtype: 'same', shape: '[B, H]' }, { name: 'c', dtype: 'same', shape: '[B, H]' }, { name: 'workspace', dtype: 'same', shape: '[5, B, H]' }],
    outputs: [{ name: 'gradGates', dtype: 'same', shape: '[B, 4H]' }, { name: 'gradPrevC', dtype: 'same', shape: '[B, H]' }],
  }),

  gruSequence: spec({
    tier: 'optional', family: 'rnn', since: 1, strided: false, composite: 'the cell loop: one matmul for every step\'s input projection, then per step a matmul and gruCell',
    doc: "one GRU layer in one direction over a whole sequence (torch.nn.GRU's per-layer loop; cuDNN's RNN forward). When autograd records the op, core runs gruSequenceTrain and gruSequenceBackward where the backend has both, else this kernel and a gradient that rebuilds the workspace from its outputs.",
    attrs: { reverse: bool('run from the last step to the first; the output stays in time order') },
    inputs: [
      { name: 'x', dtype: 'float', shape: '[T, B, I]' }, { name: 'h0', dtype: 'same', shape: '[B, H]' },
      { name: 'wIh', dtype: 'same', shape: '[3H, I] (gates r, z, n)' }, { name: 'wHh', dtype: 'same', shape: '[3H, H]' },
      { name: 'bIh', dtype: 'same', shape: '[3H]', optional: true }, { name: 'bHh', dtype: 'same', shape: '[3H] (given exactly when bIh is)', optional: true },
    ],
    outputs: [{ name: 'output', dtype: 'same', shape: '[T, B, H]: h at every step' }, { name: 'hN', dtype: 'same', shape: '[B, H]' }],
  }),
  lstmSequence: spec({
    tier: 'optional', family: 'rnn', since: 1, strided: false, composite: 'the cell loop: one matmul for every step\'s input projection, then per step a matmul and lstmCell',
    doc: "one LSTM layer in one direction over a whole sequence (torch.nn.LSTM's per-layer loop). When autograd records the op, core runs lstmSequenceTrain and lstmSequenceBackward where the backend has both, else the cell loop.",
    attrs: { reverse: bool('run from the last step to the first; the output stays in time order') },
    inputs: [
      { name: 'x', dtype: 'float', shape: '[T, B, I]' }, { name: 'h0', dtype: 'same', shape: '[B, H]' }, { name: 'c0', dtype: 'same', shape: '[B, H]' },
      { name: 'wIh', dtype: 'same', shape: '[4H, I] (gates i, f, g, o)' }, { name: 'wHh', dtype: 'same', shape: '[4H, H]' },
      { name: 'bIh', dtype: 'same', shape: '[4H]', optional: true }, { name: 'bHh', dtype: 'same', shape: '[4H] (given exactly when bIh is)', optional: true },
    ],
    outputs: [{ name: 'output', dtype: 'same', shape: '[T, B, H]' }, { name: 'hN', dtype: 'same', shape: '[B, H]' }, { name: 'cN', dtype: 'same', shape: '[B, H]' }],
  }),

  gruSequenceTrain: spec({
    tier: 'optional', family: 'rnn', since: 2, strided: false, composite: 'gruSequence (or its cell loop); the gradient then rebuilds the workspace from the outputs',
    doc: "gruSequence for training (cuDNN's training forward): the same outputs, bit for bit, plus every step's gruCell workspace, which gruSequenceBackward reads so the gradient recomputes nothing. Core runs it when autograd records the op and the backend also has gruSequenceBackward.",
    attrs: { reverse: bool('run from the last step to the first; the output stays in time order') },
    inputs: [
      { name: 'x', dtype: 'float', shape: '[T, B, I]' }, { name: 'h0', dtype: 'same', shape: '[B, H]' },
      { name: 'wIh', dtype: 'same', shape: '[3H, I] (gates r, z, n)' }, { name: 'wHh', dtype: 'same', shape: '[3H, H]' },
      { name: 'bIh', dtype: 'same', shape: '[3H]', optional: true }, { name: 'bHh', dtype: 'same', shape: '[3H] (given exactly when bIh is)', optional: true },
    ],
    outputs: [
      { name: 'output', dtype: 'same', shape: '[T, B, H]' }, { name: 'hN', dtype: 'same', shape: '[B, H]' },
      { name: 'workspace', dtype: 'same', shape: '[T, 4, B, H]: gruCell\'s planes r, z, n, h_n at each time index t' },
    ],
  }),
  gruSequenceBackward: spec({
    tier: 'optional', family: 'rnn', since: 2, strided: false, composite: 'a loop of gruCellBackward and a matmul per step, from the last step processed to the first',
    doc: "the recurrent part of gruSequence's gradient (cuDNN's RNN backward data): from the gradient of every step's h (hN's gradient already added to the last step processed), each step's gruCell gradients in one call; core turns them into the weight, bias and input gradients with one matmul or sum each",
    attrs: { reverse: bool('the forward ran from the last step to the first') },
    inputs: [
      { name: 'gradOutput', dtype: 'float', shape: '[T, B, H]' }, { name: 'hPrev', dtype: 'same', shape: '[T, B, H]: the state each step started from' },
      { name: 'wHh', dtype: 'same', shape: '[3H, H]' }, { name: 'workspace', dtype: 'same', shape: '[T, 4, B, H]' },
    ],
    outputs: [
      { name: 'gradXGates', dtype: 'same', shape: '[T, B, 3H]' }, { name: 'gradHGates', dtype: 'same', shape: '[T, B, 3H]' },
      { name: 'gradH0', dtype: 'same', shape: '[B, H]' },
    ],
  }),
  lstmSequenceTrain: spec({
    tier: 'optional', family: 'rnn', since: 2, strided: false, composite: 'the cell loop, differentiated through its cells',
    doc: "lstmSequence for training: the same outputs, bit for bit, plus every step's lstmCell planes and its new cell state, which lstmSequenceBackward reads. Core runs the pair when autograd records the op and the backend has both.",
    attrs: { reverse: bool('run from the last step to the first; the output stays in time order') },
    inputs: [
      { name: 'x', dtype: 'float', shape: '[T, B, I]' }, { name: 'h0', dtype: 'same', shape: '[B, H]' }, { name: 'c0', dtype: 'same', shape: '[B, H]' },
      { name: 'wIh', dtype: 'same', shape: '[4H, I] (gates i, f, g, o)' }, { name: 'wHh', dtype: 'same', shape: '[4H, H]' },
      { name: 'bIh', dtype: 'same', shape: '[4H]', optional: true }, { name: 'bHh', dtype: 'same', shape: '[4H] (given exactly when bIh is)', optional: true },
    ],
    outputs: [
      { name: 'output', dtype: 'same', shape: '[T, B, H]' }, { name: 'hN', dtype: 'same', shape: '[B, H]' }, { name: 'cN', dtype: 'same', shape: '[B, H]' },
      { name: 'workspace', dtype: 'same', shape: "[T, 6, B, H]: lstmCell's planes σ(i), σ(f), tanh(g), σ(o), tanh(c') and c' at each time index t" },
    ],
  }),
  lstmSequenceBackward: spec({
    tier: 'optional', family: 'rnn', since: 2, strided: false, composite: 'a loop of lstmCellBackward and a matmul per step, from the last step processed to the first',
    doc: "the recurrent part of lstmSequence's gradient: from the gradient of every step's h (hN's already added to the last step processed) and of cN, each step's gate gradients in one call; core turns them into the weight, bias and input gradients with one matmul or sum each",
    attrs: { reverse: bool('the forward ran from the last step to the first') },
    inputs: [
      { name: 'gradOutput', dtype: 'float', shape: '[T, B, H]' }, { name: 'gradCN', dtype: 'same', shape: '[B, H]' }, { name: 'c0', dtype: 'same', shape: '[B, H]' },
      { name: 'wHh', dtype: 'same', shape: '[4H, H]' }, { name: 'workspace', dtype: 'same', shape: '[T, 6, B, H]' },
    ],
    outputs: [{ name: 'gradGates', dtype: 'same', shape: '[T, B, 4H]' }, { name: 'gradH0', dtype: 'same', shape: '[B, H]' }, { name: 'gradC0', dtype: 'same', shape: '[B, H]' }],
  }),

  sgdStep: spec({
    tier: 'optional', family: 'optim', since: 0, strided: false, outputs: [], composite: "torch 1.13's _single_tensor_sgd, op for op",
    doc: "one SGD step, in place: torch 1.13's _single_tensor_sgd. Below float64 each intermediate and scalar is rounded to the dtype as the composite's ops store it, so results equal the composite bit for bit.",
    inputs: [
      { name: 'param', dtype: 'float', inPlace: true }, { name: 'grad', dtype: 'same' },
      { name: 'momentumBuffer', dtype: 'same', inPlace: true, optional: true },
    ],
    attrs: {
      lr: num('learning rate'), momentum: num('0: no momentumBuffer input'), dampening: num('dampening'), nesterov: bool('Nesterov momentum'),
      weightDecay: num('L2 penalty added to the gradient'), maximize: bool('ascend instead'),
      firstStep: bool("the buffer is written with d_p (torch's buf = clone(d_p)) instead of buf * momentum + d_p * (1 - dampening)"),
    },
  }),
  adamStep: spec({
    tier: 'optional', family: 'optim', since: 0, strided: false, outputs: [], composite: "torch 1.13's _single_tensor_adam / _single_tensor_adamw, op for op",
    doc: "one Adam or AdamW step, in place: torch 1.13's _single_tensor_adam/_adamw, rounded as sgdStep is.",
    inputs: [
      { name: 'param', dtype: 'float', inPlace: true }, { name: 'grad', dtype: 'same' },
      { name: 'expAvg', dtype: 'same', inPlace: true }, { name: 'expAvgSq', dtype: 'same', inPlace: true },
      { name: 'maxExpAvgSq', dtype: 'same', inPlace: true, optional: true },
    ],
    attrs: {
      lr: num('learning rate'), beta1: num('first-moment decay'), beta2: num('second-moment decay'), eps: num('added to the denominator'),
      weightDecay: num('weight decay'), step: int('the step count after this update (1-based)'), amsgrad: bool('maxExpAvgSq is given'),
      maximize: bool('ascend instead'), decoupled: bool("AdamW: param *= 1 - lr * weightDecay instead of L2 added to the gradient"),
    },
  }),

  scaledDotProductAttention: spec({
    tier: 'optional', family: 'attention', since: 0, strided: false, composite: 'matmul, scale, mask, softmax, matmul',
    doc: "softmax(q kᵀ · scale + mask) v over the last two dims, batched over B (torch's F.scaled_dot_product_attention without dropout: core runs the composite when dropoutP > 0). isCausal masks key j > query i (top-left aligned when L != S). A row whose scores are all -inf gives zeros (torch 2.5's safe softmax), never NaN.",
    attrs: { isCausal: bool('also mask keys after the query position (j > i)'), scale: num('multiplies q kᵀ (core passes 1/sqrt(E) when the user gives none)') },
    inputs: [
      { name: 'q', dtype: 'float', shape: '[B, L, E]' }, { name: 'k', dtype: 'same', shape: '[B, S, E]' }, { name: 'v', dtype: 'same', shape: '[B, S, Ev]' },
      { name: 'mask', dtype: 'same', shape: '[B, L, S], added to the scores (core turns a bool mask into 0 and -inf)', optional: true },
    ],
    outputs: [{ name: 'out', dtype: 'same', shape: '[B, L, Ev]' }],
  }),
} as const;
