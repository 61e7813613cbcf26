// Gradient rule for scaledDotProductAttention without dropout (with dropout the op is differentiated
// through its composite). The weights P are recomputed with core's attentionWeights, so the rule is the
// same whether a fused kernel or the composite ran the forward pass:
//   dV = Pᵀ g,  dP = g Vᵀ,  dS = P ∘ (dP - rowsum(dP ∘ P)),  dQ = scale dS K,  dK = scale dSᵀ Q,  dMask = dS.
import { attentionWeights, matmul, mul, sub, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput } from './util.js';

defineRule('scaledDotProductAttention', {
  when: (attrs) => attrs.dropoutP === 0,
  save: (c) => [...c.inputs],
  backward: (ctx, [g]) => {
    const [q, k, v] = [ctx.saved(0), ctx.saved(1), ctx.saved(2)];
    const mask = ctx.inputs.length > 3 ? ctx.saved(3) : null;
    const scale = ctx.attrs.scale as number;
    const p = attentionWeights(q, k, { attnMask: mask, isCausal: ctx.attrs.isCausal as boolean, scale });
    const tr = (t: Tensor) => t.transpose(-2, -1);
    const dP = matmul(g!, tr(v));
    const dS = mul(p, sub(dP, mul(dP, p).sum(-1, true)));
    return [
      ctx.needsGrad(0) ? toInput(mul(matmul(dS, k), scale), ctx.inputs[0]!) : null,
      ctx.needsGrad(1) ? toInput(mul(matmul(tr(dS), q), scale), ctx.inputs[1]!) : null,
      ctx.needsGrad(2) ? toInput(matmul(tr(p), g!), ctx.inputs[2]!) : null,
      ...(mask ? [ctx.needsGrad(3) ? toInput(dS, ctx.inputs[3]!) : null] : []),
    ];
  },
});
