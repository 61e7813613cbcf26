// Forward-mode rules for matmul and the gather/scatter family (linear in each tensor argument).
import { matmul, zeros, type Tensor } from '@flint/core';
import { defineForwardRule, sumTerms } from '../registry.js';

/** Registers the forward rules of matmul and gather/scatter. */
export function registerLinalg(): void {
  defineForwardRule('matmul', { jvp: (c) => {
    const [a, b] = c.inputs as [Tensor, Tensor], ta = c.tangent(0), tb = c.tangent(1);
    return [sumTerms(ta ? matmul(ta, b) : null, tb ? matmul(a, tb) : null)];
  } });
  defineForwardRule('gather', { jvp: (c) => [c.tangent(0)!.gather(c.attrs.dim as number, c.inputs[1]!)] });
  defineForwardRule('indexSelect', { jvp: (c) => [c.tangent(0)!.indexSelect(c.attrs.dim as number, c.inputs[1]!)] });
  defineForwardRule('scatterAdd', { jvp: (c) => {
    const [x, idx, src] = c.inputs as [Tensor, Tensor, Tensor];
    const base = c.tangent(0) ?? zeros([...x.shape], { dtype: x.dtype, device: x.device });
    const ts = c.tangent(2);
    return [ts ? base.scatterAdd(c.attrs.dim as number, idx, ts) : base];
  } });
}
