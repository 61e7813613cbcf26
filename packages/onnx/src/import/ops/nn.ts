// Normalization, dense, softmax, reduction and resize operators, with the opset differences of each
// (softmax's 2-D coercion before opset 13, reduce axes as input from 13/18, Resize's inputs from 11).
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { axesOf, axisOf } from './shape.js';
import { need, type OpContext, type OpTable } from './types.js';

const channelShape = (x: Tensor): number[] => x.shape.map((d, i) => (i === 1 ? d : 1));

function batchNorm(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x = need(ctx, xs, 0, 'X');
  if (ctx.attrs.int('training_mode', 0) === 1) ctx.fail('training_mode=1 is not supported (export the model in eval mode)');
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => F.reshape(need(ctx, xs, i, ['', 'scale', 'B', 'mean', 'var'][i]!), channelShape(x)));
  const k = F.mul(scale!, F.rsqrt(F.add(variance!, ctx.attrs.float('epsilon', 1e-5))));
  return [F.add(F.mul(x, k), F.sub(bias!, F.mul(mean!, k)))];
}

function layerNorm(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  if (ctx.outputCount > 1) ctx.fail('the Mean/InvStdDev outputs of LayerNormalization are not supported');
  const x = need(ctx, xs, 0, 'X');
  const axis = axisOf(ctx, ctx.attrs.int('axis', -1), x.shape.length);
  const shape = x.shape.slice(axis);
  const fit = (t: Tensor | undefined) => (t === undefined ? null : F.contiguous(F.broadcastTo(t, shape)));
  return [F.layerNorm(x, shape, { weight: fit(xs[1]), bias: fit(xs[2]), eps: ctx.attrs.float('epsilon', 1e-5) })];
}

function instanceNorm(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x = need(ctx, xs, 0, 'input');
  const dims = x.shape.slice(2).map((_, i) => i + 2);
  const mean = F.mean(x, dims, true);
  const centered = F.sub(x, mean);
  const v = F.mean(F.mul(centered, centered), dims, true);
  const y = F.mul(centered, F.rsqrt(F.add(v, ctx.attrs.float('epsilon', 1e-5))));
  return [F.add(F.mul(y, F.reshape(need(ctx, xs, 1, 'scale'), channelShape(x))), F.reshape(need(ctx, xs, 2, 'B'), channelShape(x)))];
}

function gemm(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  let a = need(ctx, xs, 0, 'A');
  let b = need(ctx, xs, 1, 'B');
  const c = xs[2];
  const alpha = ctx.attrs.float('alpha', 1);
  const beta = ctx.attrs.float('beta', 1);
  if (ctx.attrs.int('transA', 0) === 1) a = F.transpose(a, 0, 1);
  // the common case (PyTorch's Linear) is one fused linear call
  if (ctx.attrs.int('transB', 0) === 1 && alpha === 1 && (c === undefined || beta === 1)) return [F.linear(a, b, c ?? null)];
  if (ctx.attrs.int('transB', 0) === 1) b = F.transpose(b, 0, 1);
  let y = F.matmul(a, b);
  if (alpha !== 1) y = F.mul(y, alpha);
  if (c !== undefined) y = F.add(y, beta === 1 ? c : F.mul(c, beta));
  return [y];
}

function softmaxLike(fn: (x: Tensor, dim: number) => Tensor) {
  return (ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] => {
    const x = need(ctx, xs, 0, 'input');
    if (ctx.opset >= 13) return [fn(x, axisOf(ctx, ctx.attrs.int('axis', -1), x.shape.length))];
    // before opset 13 the input is coerced to 2-D at `axis` and normalized over the second dim
    const axis = axisOf(ctx, ctx.attrs.int('axis', 1), x.shape.length);
    const rows = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return [F.reshape(fn(F.reshape(x, [rows, -1]), 1), x.shape)];
  };
}

type Reducer = (x: Tensor, dims: number[], keep: boolean) => Tensor;
function reduce(fn: Reducer, axesInputSince: number) {
  return {
    host: [1],
    run: async (ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> => {
      const x = need(ctx, xs, 0, 'data');
      const axes = await axesOf(ctx, xs, 1, axesInputSince);
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      if ((axes === undefined || axes.length === 0) && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [x];
      const dims = axes === undefined || axes.length === 0 ? x.shape.map((_, i) => i) : axes.map((a) => axisOf(ctx, a, x.shape.length));
      if (x.shape.length === 0) return [x];
      return [fn(x, dims, keep)];
    },
  };
}
const prodOver: Reducer = (x, dims, keep) => [...dims].sort((a, b) => b - a).reduce((t, d) => F.prod(t, d, keep), x);

function argExtreme(which: 'argmax' | 'argmin') {
  return (ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] => {
    const x = need(ctx, xs, 0, 'data');
    const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.shape.length);
    const keep = ctx.attrs.int('keepdims', 1) === 1;
    if (ctx.attrs.int('select_last_index', 0) === 0) return [F[which](x, axis, keep)];
    const idx = F[which](F.flip(x, [axis]), axis, keep);
    return [F.sub(F.full([], x.shape[axis]! - 1, { device: x.device, dtype: idx.dtype }), idx)];
  };
}

async function resize(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  const x = need(ctx, xs, 0, 'X');
  const spatial = x.shape.length - 2;
  const upsample = ctx.opset < 10 || ctx.attrs.has('scales');
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (upsample && ctx.attrs.has('scales')) scales = ctx.attrs.floats('scales');
  else if (ctx.opset < 11) scales = await ctx.ints(need(ctx, xs, 1, 'scales'), 'scales');
  else {
    if (xs[2] !== undefined && xs[2].numel() > 0) scales = await ctx.ints(xs[2], 'scales');
    if (xs[3] !== undefined && xs[3].numel() > 0) sizes = await ctx.ints(xs[3], 'sizes');
  }
  if (ctx.attrs.has('axes')) ctx.fail("the 'axes' attribute of Resize is not supported");
  const lead = (v: number[] | undefined, one: number) => v !== undefined && (v[0] !== one || v[1] !== one);
  if (lead(scales, 1) || (sizes !== undefined && (sizes[0] !== x.shape[0] || sizes[1] !== x.shape[1]))) {
    ctx.fail('resizing the batch or channel dims is not supported');
  }
  const mode = ctx.attrs.string('mode', 'nearest');
  const coord = upsample ? 'asymmetric' : ctx.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const nearestMode = upsample ? 'floor' : ctx.attrs.string('nearest_mode', 'round_prefer_floor');
  const target = sizes !== undefined ? { size: sizes.slice(2) } : { scaleFactor: (scales ?? ctx.fail('needs scales or sizes')).slice(2) };
  if (spatial < 1 || spatial > 2) ctx.fail(`Resize supports 1-D and 2-D spatial inputs, got rank ${x.shape.length}`);
  if (mode === 'nearest' && coord === 'asymmetric' && nearestMode === 'floor') return [F.interpolate(x, { ...target, mode: 'nearest' })];
  if (mode === 'nearest' && coord === 'half_pixel' && nearestMode === 'round_prefer_ceil') return [F.interpolate(x, { ...target, mode: 'nearest-exact' })];
  if (mode === 'linear' && (coord === 'half_pixel' || coord === 'pytorch_half_pixel' || coord === 'align_corners')) {
    return [F.interpolate(x, { ...target, mode: spatial === 2 ? 'bilinear' : 'linear', alignCorners: coord === 'align_corners' })];
  }
  return ctx.fail(`mode '${mode}' with coordinate_transformation_mode '${coord}'${mode === 'nearest' ? ` and nearest_mode '${nearestMode}'` : ''} is not supported (supported: nearest asymmetric/floor, nearest half_pixel/round_prefer_ceil, linear half_pixel/pytorch_half_pixel/align_corners)`);
}

/** Normalization, dense, softmax, reduction and resize operators. */
export const nnOps: OpTable = {
  BatchNormalization: { run: batchNorm },
  LayerNormalization: { run: layerNorm },
  InstanceNormalization: { run: instanceNorm },
  Gemm: { run: gemm },
  MatMul: { run: (ctx, xs) => [F.matmul(need(ctx, xs, 0, 'A'), need(ctx, xs, 1, 'B'))] },
  Softmax: { run: softmaxLike((x, d) => F.softmax(x, d)) },
  LogSoftmax: { run: softmaxLike((x, d) => F.logSoftmax(x, d)) },
  ReduceSum: reduce((x, d, k) => F.sum(x, d, k), 13),
  ReduceMean: reduce((x, d, k) => F.mean(x, d, k), 18),
  ReduceMax: reduce((x, d, k) => F.amax(x, d, k), 18),
  ReduceMin: reduce((x, d, k) => F.amin(x, d, k), 18),
  ReduceProd: reduce(prodOver, 18),
  ReduceSumSquare: reduce((x, d, k) => F.sum(F.mul(x, x), d, k), 18),
  ReduceL2: reduce((x, d, k) => F.sqrt(F.sum(F.mul(x, x), d, k)), 18),
  ReduceLogSumExp: reduce((x, d, k) => F.logsumexp(x, d, k), 18),
  ArgMax: { run: argExtreme('argmax') },
  ArgMin: { run: argExtreme('argmin') },
  Resize: { host: [1, 2, 3], run: resize },
  Upsample: { host: [1], run: resize },
};
