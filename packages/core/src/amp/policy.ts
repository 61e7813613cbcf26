// Autocast's op tables, keyed by schema op name: which public ops run in the low precision, which in
// float32, and which promote mixed inputs to the widest. One table per device kind, as torch has.
import type { OpName } from '../schema/index.js';

/**
 * What autocast does with an op's floating inputs (float64 inputs are never touched, as in torch):
 * `lower` casts float32 inputs to the autocast dtype, `fp32` casts float16/bfloat16 inputs to float32,
 * `promote` casts every floating input to the widest floating dtype among them, `asis` leaves them (and
 * keeps the op's inner ops out of autocast, as torch does for an op it runs as one kernel).
 */
export type CastPolicy = 'lower' | 'fp32' | 'promote' | 'asis';

/** An autocast op table: a policy per public op; ops not listed run in their inputs' dtypes. */
export type AutocastTable = Readonly<Partial<Record<OpName, CastPolicy>>>;

const LOSSES = {
  nllLoss: 'fp32', crossEntropy: 'fp32', mseLoss: 'fp32', l1Loss: 'fp32', smoothL1Loss: 'fp32', huberLoss: 'fp32',
  binaryCrossEntropy: 'fp32', binaryCrossEntropyWithLogits: 'fp32',
} as const satisfies AutocastTable;

/**
 * torch 1.13's CPU list (aten/src/ATen/autocast_mode.cpp, AutocastCPU), restricted to the ops Flint has:
 * convolutions and matrix products in the low precision; prod and the losses in float32. Softmax, norms,
 * sums are not in it: on the CPU they run in whatever dtype reaches them (fixtures/autocast.json checks this
 * against torch). torch runs a whole GRU/LSTM as one op outside the list, so its inner products stay float32:
 * `asis` keeps the recurrent ops' inputs and their inner ops out of autocast. cat and stack promote.
 */
export const CPU_AUTOCAST: AutocastTable = {
  matmul: 'lower', linear: 'lower', conv1d: 'lower', conv2d: 'lower',
  gruSequence: 'asis', lstmSequence: 'asis', gruCell: 'asis', lstmCell: 'asis',
  prod: 'fp32', ...LOSSES,
  cat: 'promote', stack: 'promote',
};

/**
 * torch's CUDA list, used for every GPU device (restricted to the ops Flint has):
 * matrix products, einsum, attention, convolutions and whole GRU/LSTM layers in the low precision; the
 * reductions, softmax, norms, the transcendental functions and the losses in float32; cat and stack promote.
 */
export const GPU_AUTOCAST: AutocastTable = {
  matmul: 'lower', linear: 'lower', conv1d: 'lower', conv2d: 'lower', einsum: 'lower', scaledDotProductAttention: 'lower',
  gruSequence: 'lower', lstmSequence: 'lower',
  exp: 'fp32', log: 'fp32', log1p: 'fp32', expm1: 'fp32', rsqrt: 'fp32', reciprocal: 'fp32', pow: 'fp32', softplus: 'fp32',
  sum: 'fp32', prod: 'fp32', cumsum: 'fp32', logsumexp: 'fp32', softmax: 'fp32', logSoftmax: 'fp32',
  layerNorm: 'fp32', norm: 'fp32',
  ...LOSSES,
  cat: 'promote', stack: 'promote',
};
