// Shape and layout operators: Shape/Size, Reshape/Flatten/(Un)Squeeze/Transpose, Concat/Split/Slice,
// Gather/GatherElements, Expand/Tile/Pad, Constant/ConstantOfShape/Range, with their opset variants
// (axes and splits as attributes before opset 13, as inputs after).
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { MAX_ELEMENTS, tensorFromProto } from '../tensor-data.js';
import { need, type OpContext, type OpTable } from './types.js';

/** Normalizes a possibly negative axis against a rank, or fails naming the node. */
export function axisOf(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** An int64 host tensor of `values` on the host device. */
export const int64 = (ctx: OpContext, values: readonly number[], shape = [values.length]): Tensor =>
  F.fromBlob(BigInt64Array.from(values, (v) => BigInt(v)), shape, { device: ctx.hostDevice, dtype: 'int64' });

/** Axes from the attribute (before `inputSince`) or from input `i` (from it on); undefined when absent. */
export async function axesOf(ctx: OpContext, xs: readonly (Tensor | undefined)[], i: number, inputSince: number, name = 'axes'): Promise<number[] | undefined> {
  if (ctx.opset < inputSince) return ctx.attrs.ints(name);
  const t = xs[i];
  return t === undefined ? undefined : ctx.ints(t, name);
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** A shape read from the model's data, checked before anything of that size is allocated. */
function checkedShape(ctx: OpContext, shape: readonly number[], what: string): number[] {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || prod(shape) > MAX_ELEMENTS) {
    ctx.fail(`${what} [${shape.join(',')}] is negative or larger than 2^31 elements`);
  }
  return [...shape];
}

async function slice(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  let x = need(ctx, xs, 0, 'data');
  const old = ctx.opset < 10;
  const starts = old ? ctx.attrs.ints('starts') : await ctx.ints(need(ctx, xs, 1, 'starts'), 'starts');
  const ends = old ? ctx.attrs.ints('ends') : await ctx.ints(need(ctx, xs, 2, 'ends'), 'ends');
  if (starts === undefined || ends === undefined || starts.length !== ends.length) ctx.fail('needs starts and ends of equal length');
  const axes = (old ? ctx.attrs.ints('axes') : xs[3] && (await ctx.ints(xs[3], 'axes'))) ?? starts.map((_, i) => i);
  const steps = (old ? undefined : xs[4] && (await ctx.ints(xs[4], 'steps'))) ?? starts.map(() => 1);
  axes.forEach((a, k) => {
    const axis = axisOf(ctx, a, x.shape.length);
    const dim = x.shape[axis]!;
    const step = steps[k]!;
    if (step === 0) ctx.fail('a step of 0');
    let start = starts[k]!;
    let end = ends[k]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    if (step === 1 || count === 0) x = F.narrow(x, axis, count === 0 ? 0 : start, count);
    else {
      const idx = F.fromBlob(BigInt64Array.from({ length: count }, (_, i) => BigInt(start + i * step)), [count], { device: x.device, dtype: 'int64' });
      x = F.indexSelect(x, axis, idx);
    }
  });
  return [x];
}

function gather(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const x = need(ctx, xs, 0, 'data');
  let idx = need(ctx, xs, 1, 'indices');
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.shape.length);
  const n = x.shape[axis]!;
  idx = F.where(F.lt(idx, 0), F.add(idx, n), idx);
  const out = F.indexSelect(x, axis, F.reshape(idx, [-1]));
  return [F.reshape(out, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)])];
}

async function pad(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  const x = need(ctx, xs, 0, 'data');
  const rank = x.shape.length;
  const old = ctx.opset < 11;
  const pads = old ? ctx.attrs.ints('pads') ?? ctx.attrs.ints('paddings') : await ctx.ints(need(ctx, xs, 1, 'pads'), 'pads');
  const value = old ? ctx.attrs.float('value', 0) : xs[2] ? (await ctx.ints(xs[2], 'constant_value'))[0] ?? 0 : 0;
  const axes = (!old && xs[3] ? await ctx.ints(xs[3], 'axes') : undefined)?.map((a) => axisOf(ctx, a, rank)) ?? [...Array(rank).keys()];
  if (pads === undefined || pads.length !== 2 * axes.length) ctx.fail(`pads has ${pads?.length ?? 0} values for ${axes.length} axes (needs 2 per axis)`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, k) => { begin[a] = pads[k]!; end[a] = pads[k + axes.length]!; });
  let first = 0;
  while (first < rank && begin[first] === 0 && end[first] === 0) first++;
  const torchPads: number[] = [];
  for (let d = rank - 1; d >= first; d--) torchPads.push(begin[d]!, end[d]!);
  if (torchPads.length === 0) return [x];
  const mode = ctx.attrs.string('mode', 'constant');
  const torchMode = ({ constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' } as const)[mode as 'constant'];
  if (torchMode === undefined) ctx.fail(`mode '${mode}' is not one of constant, reflect, edge, wrap`);
  return [F.pad(x, torchPads, torchMode === 'constant' ? { mode: torchMode, value } : { mode: torchMode })];
}

async function constantOfShape(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  const shape = checkedShape(ctx, await ctx.ints(need(ctx, xs, 0, 'input'), 'shape'), 'shape');
  const proto = ctx.attrs.tensor('value');
  if (proto === undefined) return [F.full(shape, 0, { device: ctx.device, dtype: 'float32' })];
  const v = tensorFromProto(proto, ctx.hostDevice, `${ctx.where}.value`);
  if (v.numel() !== 1) ctx.fail(`value must hold one element, it has ${v.numel()}`);
  const values = await ctx.ints(v, 'value');
  return [F.full(shape, v.dtype === 'bool' ? values[0] !== 0 : values[0]!, { device: ctx.device, dtype: v.dtype })];
}

function constant(ctx: OpContext): Tensor[] {
  const a = ctx.attrs;
  const t = a.tensor('value');
  if (t !== undefined) return [tensorFromProto(t, ctx.device, `${ctx.where}.value`)];
  const f = a.float('value_float');
  if (f !== undefined) return [F.full([], f, { device: ctx.device, dtype: 'float32' })];
  const fs = a.floats('value_floats');
  if (fs !== undefined) return [F.fromBlob(Float32Array.from(fs), [fs.length], { device: ctx.device })];
  const i = a.int('value_int');
  if (i !== undefined) return [int64(ctx, [i], [])];
  const is = a.ints('value_ints');
  if (is !== undefined) return [int64(ctx, is)];
  return ctx.fail('has no value attribute Flint reads (value, value_float(s), value_int(s); strings and sparse values are not supported)');
}

/** Shape and layout operators. */
export const shapeOps: OpTable = {
  Shape: { host: [0], run: (ctx, xs) => {
    const s = need(ctx, xs, 0, 'data').shape;
    const clip = (v: number) => Math.min(Math.max(v < 0 ? v + s.length : v, 0), s.length);
    return [int64(ctx, s.slice(clip(ctx.attrs.int('start', 0)), clip(ctx.attrs.int('end', s.length))))];
  } },
  Size: { host: [0], run: (ctx, xs) => [int64(ctx, [need(ctx, xs, 0, 'data').numel()], [])] },
  Constant: { run: constant },
  ConstantOfShape: { host: [0], run: constantOfShape },
  Range: { host: [0, 1, 2], run: async (ctx, xs) => {
    const [start, limit, delta] = await Promise.all(['start', 'limit', 'delta'].map((n, i) => ctx.ints(need(ctx, xs, i, n), n).then((v) => v[0]!)));
    const count = Math.max(Math.ceil((limit! - start!) / delta!), 0);
    if (!Number.isFinite(count) || count > 2 ** 31) ctx.fail(`Range(${start}, ${limit}, ${delta}) has too many elements`);
    const values = Array.from({ length: count }, (_, i) => start! + i * delta!);
    const dtype = need(ctx, xs, 0, 'start').dtype;
    return [F.cast(F.fromBlob(Float64Array.from(values), [count], { device: ctx.device }), dtype)];
  } },
  Reshape: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    const shape = ctx.opset < 5 ? ctx.attrs.ints('shape') ?? [] : await ctx.ints(need(ctx, xs, 1, 'shape'), 'shape');
    const allowZero = ctx.attrs.int('allowzero', 0) === 1;
    return [F.reshape(x, shape.map((d, i) => (d === 0 && !allowZero ? x.shape[i] ?? ctx.fail(`shape [${shape.join(',')}] copies dim ${i} the input lacks`) : d)))];
  } },
  Flatten: { run: (ctx, xs) => {
    const x = need(ctx, xs, 0, 'input');
    const r = x.shape.length;
    const axis = ctx.attrs.int('axis', 1);
    const a = axis < 0 ? axis + r : axis;
    if (a < 0 || a > r) ctx.fail(`axis ${axis} is out of range for rank ${r}`);
    return [F.reshape(x, [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))])];
  } },
  Squeeze: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    const axes = await axesOf(ctx, xs, 1, 13);
    if (axes === undefined || axes.length === 0) return [F.reshape(x, x.shape.filter((d) => d !== 1))];
    const drop = new Set(axes.map((a) => axisOf(ctx, a, x.shape.length)));
    for (const a of drop) if (x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return [F.reshape(x, x.shape.filter((_, i) => !drop.has(i)))];
  } },
  Unsqueeze: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    const axes = (await axesOf(ctx, xs, 1, 13)) ?? ctx.fail('needs axes');
    const rank = x.shape.length + axes.length;
    const at = new Set(axes.map((a) => axisOf(ctx, a, rank)));
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : x.shape[k++]!);
    return [F.reshape(x, out)];
  } },
  Transpose: { run: (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    const perm = ctx.attrs.ints('perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    return [F.permute(x, perm)];
  } },
  Concat: { run: (ctx, xs) => {
    const ts = xs.filter((x): x is Tensor => x !== undefined);
    if (ts.length === 0) ctx.fail('needs inputs');
    return [F.cat(ts, axisOf(ctx, ctx.attrs.int('axis', 0), ts[0]!.shape.length))];
  } },
  Split: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'input');
    const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.shape.length);
    const dim = x.shape[axis]!;
    let sizes = await axesOf(ctx, xs, 1, 13, 'split');
    if (sizes === undefined || sizes.length === 0) {
      const n = ctx.attrs.int('num_outputs', ctx.outputCount);
      const each = Math.ceil(dim / n);
      sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, dim - i * each)));
    }
    if (sizes.reduce((a, b) => a + b, 0) !== dim) ctx.fail(`split sizes [${sizes.join(',')}] don't add up to dim ${axis} of size ${dim}`);
    return F.split(x, sizes, axis);
  } },
  Slice: { host: [1, 2, 3, 4], run: slice },
  Gather: { run: gather },
  GatherElements: { run: (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.shape.length);
    const idx = need(ctx, xs, 1, 'indices');
    return [F.gather(x, axis, F.where(F.lt(idx, 0), F.add(idx, x.shape[axis]!), idx))];
  } },
  Expand: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'input');
    const shape = await ctx.ints(need(ctx, xs, 1, 'shape'), 'shape');
    return [F.contiguous(F.broadcastTo(x, checkedShape(ctx, F.broadcastShapes('Expand', x.shape, shape), 'output shape')))];
  } },
  Tile: { host: [1], run: async (ctx, xs) => {
    const x = need(ctx, xs, 0, 'input');
    const reps = await ctx.ints(need(ctx, xs, 1, 'repeats'), 'repeats');
    checkedShape(ctx, x.shape.map((d, i) => d * (reps[i] ?? 1)), 'output shape');
    return [F.tile(x, reps)];
  } },
  Pad: { host: [1, 2, 3], run: pad },
};
