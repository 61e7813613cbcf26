// Forward-mode rules for norm and the piecewise activations (hardswish, hardsigmoid): the tangent is the
// gradient rule's local derivative times the input's tangent, reduced as the op reduces.
import { abs, add, div, eq, gt, le, logicalAnd, logicalOr, lt, mul, ne, pow, sign, sum, where, type Tensor } from '@flint/core';
import { unsqueezeDims } from '../../rules/util.js';
import { defineForwardRule } from '../registry.js';

/** Registers the forward rules of norm, hardswish and hardsigmoid. */
export function registerNorms(): void {
  defineForwardRule('norm', { jvp: (c) => {
    const x = c.inputs[0]!, t = c.tangent(0)!, p = c.attrs.p as number, dims = c.attrs.dim as number[], keep = c.attrs.keepdim as boolean;
    const n = unsqueezeDims(c.outputs[0]!, dims, keep);
    if (p === 0) return [c.outputs[0]!.mul(0)];
    let d: Tensor;
    if (p === 1) d = sign(x);
    else if (p === 2) d = where(eq(n, 0), 0, div(x, n));
    else if (!Number.isFinite(p)) {
      const a = abs(x), hit = logicalOr(eq(a, n), ne(a, a)).to(x.dtype);
      d = div(mul(sign(x), hit), hit.sum(dims, true));
    } else {
      const scaled = p < 1 ? where(eq(x, 0), 0, mul(sign(x), pow(abs(x), p - 1))) : p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
      d = where(eq(n, 0), 0, div(scaled, pow(n, p - 1)));
    }
    return [sum(mul(d, t), dims, keep)];
  } });
  defineForwardRule('hardswish', { jvp: (c) => {
    const x = c.inputs[0]!, t = c.tangent(0)!;
    return [where(lt(x, -3), 0, where(le(x, 3), mul(t, add(div(x, 3), 0.5)), t))];
  } });
  defineForwardRule('hardsigmoid', { jvp: (c) => {
    const x = c.inputs[0]!;
    return [where(logicalAnd(gt(x, -3), lt(x, 3)), div(c.tangent(0)!, 6), 0)];
  } });
}
