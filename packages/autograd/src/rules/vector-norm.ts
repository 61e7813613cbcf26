// Gradient rule for norm (torch's linalg_vector_norm_backward): the subgradient 0 where the norm is 0, and
// ties of the inf-norms share the gradient equally.
import { abs, eq, logicalOr, mul, ne, pow, sign, where, div, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput, unsqueezeDims } from './util.js';

defineRule('norm', {
  save: (c) => [c.inputs[0]!, c.outputs[0]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0), p = ctx.attrs.p as number, dims = ctx.attrs.dim as number[], keepdim = ctx.attrs.keepdim as boolean;
    if (p === 0) return [null];
    const gk = unsqueezeDims(g!, dims, keepdim), n = unsqueezeDims(ctx.saved(1), dims, keepdim);
    let r: Tensor;
    if (p === 1) r = mul(sign(x), gk);
    else if (p === 2) r = mul(gk, where(eq(n, 0), 0, div(x, n)));
    else if (!Number.isFinite(p)) {
      const a = abs(x), hit = logicalOr(eq(a, n), ne(a, a)).to(x.dtype);
      r = mul(sign(x), mul(div(gk, hit.sum(dims, true)), hit));
    } else {
      // sign(x) |x|^(p-1) g / norm^(p-1), 0 where the norm (or, below p = 1, x) is 0
      const scaled = p < 1 ? where(eq(x, 0), 0, mul(sign(x), pow(abs(x), p - 1))) : p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
      r = mul(scaled, where(eq(n, 0), 0, div(gk, pow(n, p - 1))));
    }
    return [toInput(r, ctx.inputs[0]!)];
  },
});
