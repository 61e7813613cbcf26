// Gradient rules for neural-network ops. They call core's backward ops (conv2dBackwardInput, ...), so a
// backend's fused backward kernels are used where it has them; those ops have rules too (their
// adjoints), which gives double backward through convolutions and pooling.
import {
  add, avgPool2d, avgPool2dBackward, batchNormBackward, batchNormReluBackward, batchNormStats, batchNormStatsOf, conv2d, conv2dBackwardInput, conv2dBackwardWeight,
  div, full, gruCellBackward, lstmCellBackward, maximum, maxPool2d, maxPool2dBackward, mul, rsqrt, sigmoid, softmax, stack, sub,
  tanh, where, type OpCall, type Tensor,
} from '@flint/core';
import { isGradEnabled } from '../mode.js';
import { defineRule, type GradContext } from './registry.js';
import { reluGrad, shapedLike } from './elementwise.js';
import { toInput } from './util.js';

type Attrs = Readonly<Record<string, unknown>>;
const convOpts = (a: Attrs) => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], groups: a.groups as number });

defineRule('conv2d', {
  save: (c) => [c.inputs[0]!, c.inputs[1]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0), w = ctx.saved(1), o = convOpts(ctx.attrs);
    return [
      ctx.needsGrad(0) ? toInput(conv2dBackwardInput(g!, w, x.shape, o), ctx.inputs[0]!) : null,
      ctx.needsGrad(1) ? toInput(conv2dBackwardWeight(g!, x, w.shape, o), ctx.inputs[1]!) : null,
      ctx.inputs.length > 2 && ctx.needsGrad(2) ? toInput(g!.sum(g!.ndim === 4 ? [0, 2, 3] : [1, 2]), ctx.inputs[2]!) : null,
    ];
  },
});
// <u, dInput(gy, w)> = <gy, conv(u, w)>: the adjoints of the backward ops are convolutions again
defineRule('conv2dBackwardInput', {
  save: (c) => [c.inputs[0]!, c.inputs[1]!],
  backward: (ctx, [u]) => {
    const gy = ctx.saved(0), w = ctx.saved(1), o = convOpts(ctx.attrs);
    return [
      ctx.needsGrad(0) ? toInput(conv2d(u!, w, null, o), ctx.inputs[0]!) : null,
      ctx.needsGrad(1) ? toInput(conv2dBackwardWeight(gy, u!, w.shape, o), ctx.inputs[1]!) : null,
    ];
  },
});
defineRule('conv2dBackwardWeight', {
  save: (c) => [c.inputs[0]!, c.inputs[1]!],
  backward: (ctx, [u]) => {
    const gy = ctx.saved(0), x = ctx.saved(1), o = convOpts(ctx.attrs);
    return [
      ctx.needsGrad(0) ? toInput(conv2d(x, u!, null, o), ctx.inputs[0]!) : null,
      ctx.needsGrad(1) ? toInput(conv2dBackwardInput(gy, u!, x.shape, o), ctx.inputs[1]!) : null,
    ];
  },
});

const poolOpts = (a: Attrs) => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], ceilMode: a.ceilMode as boolean });

defineRule('maxPool2d', {
  // the indices when the op produced them (it does whenever a kernel ran), else the input to find them again
  save: (c) => (c.outputs.length > 1 ? [c.outputs[1]!] : [c.inputs[0]!]),
  backward: (ctx, [g]) => {
    const shape = ctx.inputs[0]!.shape;
    const idx = ctx.outputs.length > 1 ? ctx.saved(0) : maxPool2d(ctx.saved(0), ctx.attrs.kernelSize as [number, number], { ...poolOpts(ctx.attrs), returnIndices: true }).indices;
    return [toInput(maxPool2dBackward(g!, idx, shape), ctx.inputs[0]!)];
  },
});
defineRule('maxPool2dBackward', {
  save: (c) => [c.inputs[1]!],
  backward: (ctx, [u]) => {
    const idx = ctx.saved(0), lead = idx.shape.slice(0, -2);
    const picked = u!.flatten(-2).gather(-1, idx.flatten(-2)).reshape([...lead, idx.shape[idx.ndim - 2]!, idx.shape[idx.ndim - 1]!]);
    return [toInput(picked, ctx.inputs[0]!), null];
  },
});

const avgOpts = (a: Attrs) => ({
  kernelSize: a.kernelSize as [number, number], stride: a.stride as [number, number], padding: a.padding as [number, number],
  ceilMode: a.ceilMode as boolean, countIncludePad: a.countIncludePad as boolean, divisorOverride: (a.divisorOverride as number | null) ?? undefined,
});
defineRule('avgPool2d', { backward: (ctx, [g]) => [toInput(avgPool2dBackward(g!, ctx.inputs[0]!.shape, avgOpts(ctx.attrs)), ctx.inputs[0]!)] });
defineRule('avgPool2dBackward', {
  backward: (ctx, [u]) => { const { kernelSize, ...o } = avgOpts(ctx.attrs); return [toInput(avgPool2d(u!, kernelSize, o), ctx.inputs[0]!)]; },
});

// inputs: x, then runningMean/runningVar/weight/bias where given (attrs.stats, attrs.affine say which). Saved:
// the inputs, relu's output (batchNormRelu), then in training the statistics the forward normalized with, or x
// twice where core had none to give (a 1-d saved tensor is a statistic: x has two dims or more).
function batchNormSave(c: OpCall, relu: boolean): Tensor[] {
  const s = c.attrs.training ? batchNormStatsOf(c.outputs[0]!) : undefined, x = c.inputs[0]!;
  return [...c.inputs, ...(relu ? [c.outputs[0]!] : []), ...(s ? [s.mean, s.invstd] : [x, x])];
}
function batchNormGrads(ctx: GradContext, g: Tensor, relu: boolean): (Tensor | null)[] {
  const [hasMean, hasVar] = ctx.attrs.stats as [boolean, boolean], [hasW, hasB] = ctx.attrs.affine as [boolean, boolean];
  let k = 1;
  const rmI = hasMean ? k++ : -1, rvI = hasVar ? k++ : -1, wI = hasW ? k++ : -1, bI = hasB ? k++ : -1;
  const x = ctx.saved(0), eps = ctx.attrs.eps as number;
  const training = ctx.attrs.training as boolean;
  const weight = wI > 0 ? ctx.saved(wI) : null;
  const statsAt = ctx.inputs.length + (relu ? 1 : 0), saved = ctx.saved(statsAt);
  // the forward's statistics, unless this backward is itself differentiated (createGraph): then they are
  // recomputed by an op that carries their dependence on x
  const { mean, invstd } = !training
    ? { mean: ctx.saved(rmI), invstd: rsqrt(ctx.saved(rvI).add(eps)) }
    : saved.ndim === 1 && !isGradEnabled() ? { mean: saved, invstd: ctx.saved(statsAt + 1) } : batchNormStats(x, { eps });
  const y = relu ? ctx.saved(ctx.inputs.length) : null;
  // relu's gradient and batch norm's in one op where g is shaped like the output
  const r = y && shapedLike(g, y)
    ? batchNormReluBackward(g, y, x, weight, mean, invstd, { training })
    : batchNormBackward(y ? reluGrad(g, y) : g, x, weight, mean, invstd, { training });
  const out: (Tensor | null)[] = ctx.inputs.map(() => null);
  out[0] = toInput(r.gradInput, ctx.inputs[0]!);
  if (wI > 0 && ctx.needsGrad(wI)) out[wI] = toInput(r.gradWeight, ctx.inputs[wI]!);
  if (bI > 0 && ctx.needsGrad(bI)) out[bI] = toInput(r.gradBias, ctx.inputs[bI]!);
  return out;
}
defineRule('batchNorm', { save: (c) => batchNormSave(c, false), backward: (ctx, [g]) => batchNormGrads(ctx, g!, false) });
defineRule('batchNormRelu', { save: (c) => batchNormSave(c, true), backward: (ctx, [g]) => batchNormGrads(ctx, g!, true) });

// inputs: x, then weight/bias where given
defineRule('layerNorm', {
  save: (c) => c.inputs,
  backward: (ctx, [g]) => {
    const [hasW, hasB] = ctx.attrs.affine as [boolean, boolean];
    const ns = ctx.attrs.normalizedShape as number[], eps = ctx.attrs.eps as number;
    const x = ctx.saved(0), D = ns.reduce((a, b) => a * b, 1), M = x.numel() / Math.max(D, 1);
    const x2 = x.reshape([M, D]), g2 = g!.reshape([M, D]);
    const mu = x2.mean(1, true), rstd = rsqrt(x2.var(1, true, { correction: 0 }).add(eps));
    const xhat = mul(sub(x2, mu), rstd);
    const w = hasW ? ctx.saved(1).reshape([1, D]) : null;
    const gxhat = w ? mul(g2, w) : g2;
    const gx = mul(rstd, sub(sub(gxhat, gxhat.mean(1, true)), mul(xhat, mul(gxhat, xhat).mean(1, true))));
    const out: (Tensor | null)[] = [toInput(gx.reshape([...x.shape]), ctx.inputs[0]!)];
    if (hasW) out.push(ctx.needsGrad(1) ? toInput(mul(g2, xhat).sum(0).reshape(ns), ctx.inputs[1]!) : null);
    if (hasB) out.push(ctx.needsGrad(out.length) ? toInput(g2.sum(0).reshape(ns), ctx.inputs[out.length]!) : null);
    return out;
  },
});

// the plain class-index case (the one backends fuse): d/dlogits = (softmax - onehot) · upstream
defineRule('crossEntropy', {
  when: (a) => a.fused === true,
  save: (c) => [c.inputs[0]!, c.inputs[1]!],
  backward: (ctx, [g]) => {
    const logits = ctx.saved(0), target = ctx.saved(1);
    const ignore = ctx.attrs.ignoreIndex as number, reduction = ctx.attrs.reduction as string;
    const [N, C] = logits.shape as [number, number];
    const valid = target.ne(ignore);
    const safe = where(valid, target, 0).reshape([N, 1]).long();
    const onehot = full([N, C], 0, { dtype: logits.dtype, device: logits.device }).scatterAdd(1, safe, full([N, 1], 1, { dtype: logits.dtype, device: logits.device }));
    let scale: Tensor = valid.to(logits.dtype).reshape([N, 1]);
    if (reduction === 'none') scale = mul(scale, g!.reshape([N, 1]));
    else if (reduction === 'mean') scale = mul(scale, g!.div(valid.sum().to(logits.dtype)));
    else scale = mul(scale, g!);
    return [toInput(mul(sub(softmax(logits, 1), onehot), scale), ctx.inputs[0]!), null];
  },
});

defineRule('dropout', {
  save: (c) => (c.inputs.length > 1 ? [c.inputs[1]!] : []),
  backward: (ctx, [g]) => {
    if (ctx.inputs.length > 1) return [toInput(mul(g!, ctx.saved(0)), ctx.inputs[0]!), null];
    return [toInput(ctx.attrs.training ? mul(g!, 0) : g!, ctx.inputs[0]!)];
  },
});

// torch's formula: g·(p - y)/max(p(1 - p), 1e-12)·weight, finite where the clamped logs saturate
defineRule('binaryCrossEntropy', {
  save: (c) => c.inputs,
  backward: (ctx, [g]) => {
    const p = ctx.saved(0), y = ctx.saved(1), weight = ctx.inputs.length > 2 ? ctx.saved(2) : null;
    const reduction = ctx.attrs.reduction as string;
    let d = div(sub(p, y), maximum(mul(p, sub(1, p)), 1e-12));
    if (weight) d = mul(d, weight);
    const scale = reduction === 'mean' ? div(g!, p.numel()) : g!;
    // d/dy = log(1 - p) - log(p); torch leaves these logs unclamped (infinite at p = 0 or 1)
    let dy: Tensor | null = null;
    if (ctx.needsGrad(1)) {
      dy = sub(p.neg().log1p(), p.log());
      if (weight) dy = mul(dy, weight);
    }
    return [toInput(mul(d, scale), ctx.inputs[0]!), dy ? toInput(mul(dy, scale), ctx.inputs[1]!) : null, ...(weight ? [null] : [])];
  },
});

// Recurrent cells: a kernel returns a workspace (the activations backward needs, as planes) as an extra
// output; the composite returns none, and the rule rebuilds it from what it saved.
// gruCell inputs [xGates, hGates, h, hBias?] → [h', workspace [r, z, n, h_n]?]
defineRule('gruCell', {
  save: (c) => (c.outputs.length > 1 ? [c.inputs[2]!, c.outputs[1]!] : [c.inputs[2]!, ...c.inputs.filter((_, i) => i !== 2)]),
  backward: (ctx, [g]) => {
    if (!g) return ctx.inputs.map(() => null);
    const H = ctx.inputs[2]!.shape[1]!;
    let ws: Tensor;
    if (ctx.outputs.length > 1) ws = ctx.saved(1);
    else {
      const hg = ctx.inputs.length > 3 ? add(ctx.saved(2), ctx.saved(3)) : ctx.saved(2);
      const [xr, xz, xn] = ctx.saved(1).split(H, 1) as [Tensor, Tensor, Tensor], [hr, hz, hn] = hg.split(H, 1) as [Tensor, Tensor, Tensor];
      const r = sigmoid(add(xr, hr));
      ws = stack([r, sigmoid(add(xz, hz)), tanh(add(xn, mul(r, hn))), hn], 0);
    }
    const r = gruCellBackward(g, ctx.saved(0), ws);
    const grads = [r.gradXGates, r.gradHGates, r.gradH, r.gradHGates]; // hBias: gradHGates summed over the batch
    return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(grads[i]!, info) : null));
  },
});
// lstmCell inputs [xGates, hGates, c] → [h', c', workspace [σ(i), σ(f), tanh(g), σ(o), tanh(c')]?]
defineRule('lstmCell', {
  save: (c) => (c.outputs.length > 2 ? [c.inputs[2]!, c.outputs[2]!] : [c.inputs[2]!, c.inputs[0]!, c.inputs[1]!, c.outputs[1]!]),
  backward: (ctx, [gh, gc]) => {
    if (!gh && !gc) return [null, null, null];
    const H = ctx.inputs[2]!.shape[1]!;
    let ws: Tensor;
    if (ctx.outputs.length > 2) ws = ctx.saved(1);
    else {
      const [i, f, g, o] = add(ctx.saved(1), ctx.saved(2)).split(H, 1) as [Tensor, Tensor, Tensor, Tensor];
      ws = stack([sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), tanh(ctx.saved(3))], 0);
    }
    const r = lstmCellBackward(gh ?? null, gc ?? null, ctx.saved(0), ws);
    // gates = xGates + hGates: one gradient for both (the engine never updates a gradient in place)
    const grads = [r.gradGates, r.gradGates, r.gradC];
    return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(grads[i]!, info) : null));
  },
});
