// Gradient rules for reductions, softmax-style ops and cumsum.
import { div, eq, exp, flip, logicalAnd, logicalOr, mul, ne, sub, where, zeros, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput, unsqueezeDims } from './util.js';

const dimsOf = (attrs: Readonly<Record<string, unknown>>, ndim: number): number[] =>
  (attrs.dim as number[] | undefined) ?? [...Array(ndim).keys()];
const expandTo = (g: Tensor, shape: readonly number[]) => g.expand([...shape]);

/** Where x holds the extreme `m` (NaN counts as matching NaN, as torch picks it), in g's dtype. */
const extremeMask = (x: Tensor, m: Tensor, dtype: Tensor['dtype']): Tensor =>
  logicalOr(eq(x, m), logicalAnd(ne(x, x), ne(m, m))).to(dtype);

defineRule('sum', {
  backward: (ctx, [g]) => {
    const x = ctx.inputs[0]!;
    return [toInput(expandTo(unsqueezeDims(g!, dimsOf(ctx.attrs, x.shape.length), ctx.attrs.keepdim as boolean), x.shape), x)];
  },
});

defineRule('mean', {
  backward: (ctx, [g]) => {
    const x = ctx.inputs[0]!;
    const dims = dimsOf(ctx.attrs, x.shape.length);
    const count = dims.reduce((a, d) => a * x.shape[d]!, 1);
    return [toInput(div(expandTo(unsqueezeDims(g!, dims, ctx.attrs.keepdim as boolean), x.shape), count), x)];
  },
});

defineRule('prod', {
  save: (c) => [c.inputs[0]!, c.outputs[0]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0), info = ctx.inputs[0]!;
    const dims = dimsOf(ctx.attrs, x.ndim), keep = ctx.attrs.keepdim as boolean;
    const out = unsqueezeDims(ctx.saved(1), dims, keep), gk = unsqueezeDims(g!, dims, keep);
    // product of the others, exact when x holds zeros: with one zero only that element gets a gradient
    // product of the others, exact when x holds zeros: with one zero only that element gets a gradient
    const isZero = eq(x, 0);
    const safe = where(isZero, 1, x);
    const zeroCount = isZero.sum(dims, true);
    const prodSafe = dims.length === 1 && x.ndim > 1 ? safe.prod(dims[0], true) : safe.prod().reshape(x.shape.map(() => 1));
    const others = where(eq(zeroCount, 0), div(out, safe), where(logicalAnd(eq(zeroCount, 1), isZero), prodSafe, 0));
    return [toInput(mul(gk, others), info)];
  },
});

// max()/min() without dim, amax/amin: the gradient is shared evenly among tied extremes (as torch)
function evenly(op: 'amax' | 'amin' | 'max' | 'min'): void {
  defineRule(op, {
    save: (c) => [c.inputs[0]!, c.outputs[0]!],
    when: (attrs) => op.startsWith('a') || attrs.dim === undefined,
    backward: (ctx, [g]) => {
      const x = ctx.saved(0);
      const dims = dimsOf(ctx.attrs, x.ndim), keep = (ctx.attrs.keepdim as boolean) ?? false;
      const mask = extremeMask(x, unsqueezeDims(ctx.saved(1), dims, keep), g!.dtype);
      const share = div(mask, mask.sum(dims, true));
      return [toInput(mul(unsqueezeDims(g!, dims, keep), share), ctx.inputs[0]!)];
    },
  });
}
for (const op of ['amax', 'amin'] as const) evenly(op);

// max/min: without dim like amax; with dim the gradient goes to the index that was picked
for (const op of ['max', 'min'] as const) {
  defineRule(op, {
    save: (c) => (c.attrs.dim === undefined ? [c.inputs[0]!, c.outputs[0]!] : [c.outputs[1]!]),
    backward: (ctx, [g]) => {
      const info = ctx.inputs[0]!;
      if (ctx.attrs.dim === undefined) {
        const x = ctx.saved(0);
        const mask = extremeMask(x, ctx.saved(1), g!.dtype);
        return [toInput(mul(g!, div(mask, mask.sum())), info)];
      }
      const dim = ctx.attrs.dim as number, keep = ctx.attrs.keepdim as boolean;
      if (info.shape.length === 0) return [toInput(g!, info)];
      const idx = keep ? ctx.saved(0) : ctx.saved(0).unsqueeze(dim);
      const gk = keep ? g! : g!.unsqueeze(dim);
      return [toInput(zeros([...info.shape], { dtype: g!.dtype, device: g!.device }).scatterAdd(dim, idx, gk), info)];
    },
  });
}

defineRule('var', {
  save: (c) => [c.inputs[0]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0);
    const dims = dimsOf(ctx.attrs, x.ndim);
    const n = dims.reduce((a, d) => a * x.shape[d]!, 1);
    const denom = Math.max(0, n - (ctx.attrs.correction as number));
    const centered = sub(x, x.mean(dims, true));
    return [toInput(mul(unsqueezeDims(g!, dims, ctx.attrs.keepdim as boolean), div(mul(centered, 2), denom)), ctx.inputs[0]!)];
  },
});

defineRule('logsumexp', {
  save: (c) => [c.inputs[0]!, c.outputs[0]!],
  backward: (ctx, [g]) => {
    const dims = ctx.attrs.dim as number[], keep = ctx.attrs.keepdim as boolean;
    const x = ctx.saved(0), out = unsqueezeDims(ctx.saved(1), dims, keep);
    return [toInput(mul(unsqueezeDims(g!, dims, keep), exp(sub(x, out))), ctx.inputs[0]!)];
  },
});

defineRule('softmax', {
  save: (c) => [c.outputs[0]!],
  backward: (ctx, [g]) => {
    const y = ctx.saved(0), dim = ctx.attrs.dim as number;
    return [toInput(mul(y, sub(g!, mul(g!, y).sum(dim, true))), ctx.inputs[0]!)];
  },
});

defineRule('logSoftmax', {
  save: (c) => [c.outputs[0]!],
  backward: (ctx, [g]) => {
    const y = ctx.saved(0), dim = ctx.attrs.dim as number;
    return [toInput(sub(g!, mul(exp(y), g!.sum(dim, true))), ctx.inputs[0]!)];
  },
});

defineRule('cumsum', {
  backward: (ctx, [g]) => {
    const dim = ctx.attrs.dim as number;
    if (ctx.inputs[0]!.shape.length === 0) return [toInput(g!, ctx.inputs[0]!)];
    return [toInput(flip(flip(g!, dim).cumsum(dim), dim), ctx.inputs[0]!)];
  },
});
