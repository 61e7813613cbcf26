// Forward-mode rules for reductions, softmax-style ops and cumsum: linear reductions apply themselves to
// the tangent; the others weight the tangent by their local derivative and reduce it the same way.
import { div, eq, exp, logicalAnd, logicalOr, mul, ne, sub, sum, where, type Tensor } from '@flint/core';
import { unsqueezeDims } from '../../rules/util.js';
import { defineForwardRule, type ForwardContext } from '../registry.js';

type Attrs = Readonly<Record<string, unknown>>;
const dimsOf = (attrs: Attrs, ndim: number): number[] => (attrs.dim as number[] | undefined) ?? [...Array(ndim).keys()];
const keepOf = (attrs: Attrs): boolean => (attrs.keepdim as boolean | undefined) ?? false;
/** Sum t over the op's dims as the op reduced them. */
const reduceLike = (c: ForwardContext, t: Tensor): Tensor => sum(t, dimsOf(c.attrs, t.ndim), keepOf(c.attrs));

/** Where x holds the extreme `m` (NaN matching NaN), in x's dtype. */
const extremeMask = (x: Tensor, m: Tensor): Tensor => logicalOr(eq(x, m), logicalAnd(ne(x, x), ne(m, m))).to(x.dtype);
// the tangent is the mean of the tied extremes' tangents (the gradient rule shares evenly, too)
function evenly(c: ForwardContext, dims: number[], keep: boolean, picked: Tensor): Tensor {
  const mask = extremeMask(c.inputs[0]!, unsqueezeDims(picked, dims, keep));
  return div(sum(mul(mask, c.tangent(0)!), dims, keep), sum(mask, dims, keep));
}

/** Registers the forward rules of the reductions. */
export function registerReduce(): void {
  defineForwardRule('sum', { jvp: (c) => [reduceLike(c, c.tangent(0)!)] });
  defineForwardRule('mean', { jvp: (c) => [c.tangent(0)!.mean(dimsOf(c.attrs, c.inputs[0]!.ndim), keepOf(c.attrs))] });
  defineForwardRule('prod', { jvp: (c) => {
    // Σ_i dx_i Π_{j≠i} x_j, exact with zeros: the product of the others, as the gradient rule computes it
    const x = c.inputs[0]!, dims = dimsOf(c.attrs, x.ndim), keep = keepOf(c.attrs);
    const out = unsqueezeDims(c.outputs[0]!, dims, keep);
    const isZero = eq(x, 0), safe = where(isZero, 1, x), zeros = isZero.sum(dims, true);
    const prodSafe = dims.length === 1 && x.ndim > 1 ? safe.prod(dims[0], true) : safe.prod().reshape(x.shape.map(() => 1));
    const others = where(eq(zeros, 0), div(out, safe), where(logicalAnd(eq(zeros, 1), isZero), prodSafe, 0));
    return [sum(mul(others, c.tangent(0)!), dims, keep)];
  } });
  for (const op of ['amax', 'amin'] as const) {
    defineForwardRule(op, { jvp: (c) => [evenly(c, dimsOf(c.attrs, c.inputs[0]!.ndim), keepOf(c.attrs), c.outputs[0]!)] });
  }
  for (const op of ['max', 'min'] as const) {
    defineForwardRule(op, { jvp: (c) => {
      const x = c.inputs[0]!, t = c.tangent(0)!;
      if (c.attrs.dim === undefined) return [evenly(c, [...Array(x.ndim).keys()], false, c.outputs[0]!)];
      if (x.ndim === 0) return [t, null];
      // with a dim: the tangent at the index picked
      const dim = c.attrs.dim as number, keep = keepOf(c.attrs);
      const idx = keep ? c.outputs[1]! : c.outputs[1]!.unsqueeze(dim);
      const g = t.gather(dim, idx);
      return [keep ? g : g.squeeze(dim), null];
    } });
  }
  defineForwardRule('var', { jvp: (c) => {
    const x = c.inputs[0]!, dims = dimsOf(c.attrs, x.ndim);
    const n = dims.reduce((a, d) => a * x.shape[d]!, 1), denom = Math.max(0, n - (c.attrs.correction as number));
    const centered = sub(x, x.mean(dims, true));
    return [div(sum(mul(mul(centered, 2), c.tangent(0)!), dims, keepOf(c.attrs)), denom)];
  } });
  defineForwardRule('logsumexp', { jvp: (c) => {
    const dims = c.attrs.dim as number[], keep = keepOf(c.attrs);
    const w = exp(sub(c.inputs[0]!, unsqueezeDims(c.outputs[0]!, dims, keep)));
    return [sum(mul(w, c.tangent(0)!), dims, keep)];
  } });
  defineForwardRule('softmax', { jvp: (c) => {
    const y = c.outputs[0]!, t = c.tangent(0)!.to(y.dtype), dim = c.attrs.dim as number;
    return [mul(y, sub(t, mul(y, t).sum(dim, true)))];
  } });
  defineForwardRule('logSoftmax', { jvp: (c) => {
    const y = c.outputs[0]!, t = c.tangent(0)!.to(y.dtype), dim = c.attrs.dim as number;
    return [sub(t, mul(exp(y), t).sum(dim, true))];
  } });
  defineForwardRule('cumsum', { jvp: (c) => [c.inputs[0]!.ndim === 0 ? c.tangent(0)! : c.tangent(0)!.cumsum(c.attrs.dim as number)] });
}
