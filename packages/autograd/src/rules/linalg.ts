// Gradient rules for matmul (1-d, 2-d and batched with broadcasting).
import { matmul, mul, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { sumToShape, toInput } from './util.js';

defineRule('matmul', {
  save: (c) => c.inputs,
  backward: (ctx, [g]) => {
    const a = ctx.saved(0), b = ctx.saved(1);
    if (a.ndim === 1 && b.ndim === 1) {
      return [ctx.needsGrad(0) ? toInput(mul(g!, b), ctx.inputs[0]!) : null, ctx.needsGrad(1) ? toInput(mul(g!, a), ctx.inputs[1]!) : null];
    }
    const A = a.ndim === 1 ? a.unsqueeze(0) : a;
    const B = b.ndim === 1 ? b.unsqueeze(1) : b;
    let G: Tensor = g!;
    if (a.ndim === 1) G = G.unsqueeze(-2);
    if (b.ndim === 1) G = G.unsqueeze(-1);
    const ga = ctx.needsGrad(0) ? sumToShape(matmul(G, B.transpose(-1, -2)), A.shape) : null;
    // b a transposed matrix (linear's w.t()): its gradient made in that layout, (Gᵀ A)ᵀ over the flattened
    // batch, so the view's own rule hands w a contiguous gradient instead of one more transpose to copy
    const bT = b.ndim === 2 && a.ndim >= 2 && b.shape[0]! > 1 && b.shape[1]! > 1 && b.strides[0] === 1 && b.strides[1] === b.shape[0];
    const flat = (t: Tensor): Tensor => t.reshape([-1, t.shape[t.ndim - 1]!]);
    const gb = !ctx.needsGrad(1) ? null : bT ? matmul(flat(G).t(), flat(A)).t() : sumToShape(matmul(A.transpose(-1, -2), G), B.shape);
    return [
      ga ? toInput(a.ndim === 1 ? ga.squeeze(0) : ga, ctx.inputs[0]!) : null,
      gb ? toInput(b.ndim === 1 ? gb.squeeze(-1) : gb, ctx.inputs[1]!) : null,
    ];
  },
});
