// Convolution and pooling operators (1-D and 2-D): Conv, ConvTranspose, MaxPool, AveragePool, global pools,
// with explicit, asymmetric and auto_pad (SAME_UPPER/SAME_LOWER/VALID) padding.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { need, type OpContext, type OpTable } from './types.js';

interface Geometry { kernel: number[]; strides: number[]; dilations: number[]; begin: number[]; end: number[] }

/** Kernel, strides, dilations and per-side padding of a conv/pool node over `spatial` input sizes. */
function geometry(ctx: OpContext, spatial: readonly number[], kernel: readonly number[]): Geometry {
  const n = spatial.length;
  const strides = ctx.attrs.ints('strides') ?? new Array<number>(n).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
  const pads = ctx.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  let begin = pads.slice(0, n);
  let end = pads.slice(n);
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    begin = []; end = [];
    spatial.forEach((size, i) => {
      const out = Math.ceil(size / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - size);
      const small = Math.floor(total / 2);
      begin.push(auto === 'SAME_UPPER' ? small : total - small);
      end.push(auto === 'SAME_UPPER' ? total - small : small);
    });
  } else if (auto === 'VALID') {
    begin = new Array<number>(n).fill(0); end = new Array<number>(n).fill(0);
  } else if (auto !== 'NOTSET') ctx.fail(`auto_pad '${auto}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  if (strides.length !== n || dilations.length !== n || begin.length !== n || end.length !== n) {
    ctx.fail(`strides/dilations/pads don't match the ${n} spatial dim(s)`);
  }
  return { kernel: [...kernel], strides, dilations, begin, end };
}

/** Works on [N, C, L] by viewing it as [N, C, 1, L]; 2-D as is; other ranks are an error naming the node. */
function as2d(ctx: OpContext, x: Tensor, what: string): { x: Tensor; one: boolean } {
  if (x.shape.length === 4) return { x, one: false };
  if (x.shape.length === 3) return { x: F.unsqueeze(x, 2), one: true };
  return ctx.fail(`${what} supports 1-D and 2-D inputs ([N,C,L] or [N,C,H,W]), got rank ${x.shape.length}`);
}
const lift = (v: number[], one: boolean, fill: number): [number, number] => (one ? [fill, v[0]!] : [v[0]!, v[1]!]);
const back = (y: Tensor, one: boolean): Tensor => (one ? F.squeeze(y, 2) : y);

/** Pads [.., H, W] by per-side amounts with `value` (torch order: last dim first). */
function padSides(x: Tensor, g: Geometry, one: boolean, value: number): Tensor {
  const b = one ? [0, g.begin[0]!] : g.begin;
  const e = one ? [0, g.end[0]!] : g.end;
  return F.pad(x, [b[1]!, e[1]!, b[0]!, e[0]!], { mode: 'constant', value });
}
const symmetric = (g: Geometry): boolean => g.begin.every((b, i) => b === g.end[i]);

function conv(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const { x, one } = as2d(ctx, need(ctx, xs, 0, 'X'), 'Conv');
  const w0 = need(ctx, xs, 1, 'W');
  const w = one ? F.unsqueeze(w0, 2) : w0;
  const g = geometry(ctx, need(ctx, xs, 0, 'X').shape.slice(2), w0.shape.slice(2));
  const sym = symmetric(g);
  const input = sym ? x : padSides(x, g, one, 0);
  const y = F.conv2d(input, w, xs[2] ?? null, {
    stride: lift(g.strides, one, 1), dilation: lift(g.dilations, one, 1), groups: ctx.attrs.int('group', 1),
    padding: sym ? lift(g.begin, one, 0) : 0,
  });
  return [back(y, one)];
}

function convTranspose(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x0 = need(ctx, xs, 0, 'X');
  const { x, one } = as2d(ctx, x0, 'ConvTranspose');
  const w0 = need(ctx, xs, 1, 'W');
  const w = one ? F.unsqueeze(w0, 2) : w0;
  const groups = ctx.attrs.int('group', 1);
  const kernel = w0.shape.slice(2);
  const g = geometry(ctx, x0.shape.slice(2), kernel);
  const outPad = ctx.attrs.ints('output_padding') ?? kernel.map(() => 0);
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  const spatial = x0.shape.slice(2);
  // full (unpadded) output sizes, then crop the pads (or match output_shape)
  const full = spatial.map((s, i) => (s - 1) * g.strides[i]! + (kernel[i]! - 1) * g.dilations[i]! + 1 + outPad[i]!);
  const want = ctx.attrs.ints('output_shape');
  let begin = g.begin;
  if (want !== undefined || auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const target = want?.slice(-spatial.length) ?? spatial.map((s, i) => s * g.strides[i]!);
    begin = full.map((f, i) => {
      const total = f - target[i]!;
      return auto === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
    });
    g.end = full.map((f, i) => f - target[i]! - begin[i]!);
  }
  const C = w0.shape[1]! * groups;
  const fullShape = [x.shape[0]!, C, ...lift(full, one, 1)];
  let y = F.conv2dBackwardInput(x, w, fullShape, { stride: lift(g.strides, one, 1), dilation: lift(g.dilations, one, 1), groups });
  const sizes = full.map((f, i) => f - begin[i]! - g.end[i]!);
  sizes.forEach((s, i) => { y = F.narrow(y, (one ? 3 : 2) + i, begin[i]!, s); });
  if (xs[2] !== undefined) y = F.add(y, F.reshape(xs[2], [1, C, 1, 1]));
  return [back(y, one)];
}

function maxPool(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x0 = need(ctx, xs, 0, 'X');
  if (ctx.outputCount > 1) ctx.fail('the Indices output of MaxPool is not supported');
  const { x, one } = as2d(ctx, x0, 'MaxPool');
  const kernel = ctx.attrs.ints('kernel_shape') ?? ctx.fail("needs 'kernel_shape'");
  const g = geometry(ctx, x0.shape.slice(2), kernel);
  const sym = symmetric(g);
  const y = F.maxPool2d(sym ? x : padSides(x, g, one, -Infinity), lift(kernel, one, 1), {
    stride: lift(g.strides, one, 1), dilation: lift(g.dilations, one, 1), padding: sym ? lift(g.begin, one, 0) : 0,
    ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
  });
  return [back(y, one)];
}

function avgPool(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x0 = need(ctx, xs, 0, 'X');
  const { x, one } = as2d(ctx, x0, 'AveragePool');
  const kernel = ctx.attrs.ints('kernel_shape') ?? ctx.fail("needs 'kernel_shape'");
  const g = geometry(ctx, x0.shape.slice(2), kernel);
  const includePad = ctx.attrs.int('count_include_pad', 0) === 1;
  const opts = { stride: lift(g.strides, one, 1), ceilMode: ctx.attrs.int('ceil_mode', 0) === 1 };
  const k = lift(kernel, one, 1);
  if (symmetric(g)) return [back(F.avgPool2d(x, k, { ...opts, padding: lift(g.begin, one, 0), countIncludePad: includePad }), one)];
  // asymmetric pads: average of the zero-padded input, divided by the share of real cells when pads don't count
  const sum = F.avgPool2d(padSides(x, g, one, 0), k, { ...opts, countIncludePad: true });
  if (includePad) return [back(sum, one)];
  const ones = F.full([1, 1, ...x.shape.slice(2)], 1, { device: x.device, dtype: x.dtype });
  return [back(F.div(sum, F.avgPool2d(padSides(ones, g, one, 0), k, { ...opts, countIncludePad: true })), one)];
}

const spatialDims = (x: Tensor): number[] => x.shape.slice(2).map((_, i) => i + 2);

/** Convolution and pooling operators. */
export const convPoolOps: OpTable = {
  Conv: { run: conv },
  ConvTranspose: { run: convTranspose },
  MaxPool: { run: maxPool },
  AveragePool: { run: avgPool },
  GlobalAveragePool: { run: (ctx, xs) => { const x = need(ctx, xs, 0, 'X'); return [F.mean(x, spatialDims(x), true)]; } },
  GlobalMaxPool: { run: (ctx, xs) => { const x = need(ctx, xs, 0, 'X'); return [F.amax(x, spatialDims(x), true)]; } },
};
