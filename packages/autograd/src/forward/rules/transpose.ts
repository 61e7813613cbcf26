// A forward rule derived from an op's gradient rule by transposition: J·t = ∂/∂u ⟨Jᵀu, t⟩. The gradient
// rule is linear in its incoming gradient u and built from public ops, so recording it once and
// differentiating in u gives the exact tangent; used for attention.
import { mul, zeros, type OpName, type Tensor } from '@flint/core';
import { runBackward } from '../../engine.js';
import { edgeOf, tracks } from '../../graph.js';
import { setGradEnabled } from '../../mode.js';
import { getRule, type GradContext } from '../../rules/registry.js';
import { defineForwardRule, sumTerms, type ForwardContext } from '../registry.js';

function transposed(c: ForwardContext): (Tensor | null)[] {
  const rule = getRule(c.op, c.attrs)!;
  return setGradEnabled(true, () => {
    const us = c.outputs.map((o) => (o.dtype.startsWith('float') ? zeros([...o.shape], { dtype: o.dtype, device: o.device }).requiresGrad_() : null));
    const saved = rule.save?.({ op: c.op, inputs: c.inputs, attrs: c.attrs, outputs: c.outputs }) ?? [];
    const info = (t: Tensor) => ({ shape: t.shape, dtype: t.dtype, device: t.device });
    const ctx: GradContext = {
      op: c.op, attrs: c.attrs, inputs: c.inputs.map(info), outputs: c.outputs.map(info),
      saved: (i) => saved[i]!, needsGrad: (i) => c.tangent(i) !== null,
    };
    const gin = rule.backward(ctx, us);
    const inner = sumTerms(...gin.map((g, i) => (g && c.tangent(i) ? mul(g, c.tangent(i)!).sum() : null)));
    const live = us.filter((u): u is Tensor => u !== null);
    if (!inner || !tracks(inner)) return c.outputs.map((o, i) => (us[i] ? zeros([...o.shape], { dtype: o.dtype, device: o.device }) : null));
    const createGraph = c.inputs.some(tracks) || c.inputs.some((_, i) => c.tangent(i) !== null && tracks(c.tangent(i)!));
    const one = zeros([], { dtype: inner.dtype, device: inner.device }).add(1);
    const r = runBackward([{ edge: edgeOf(inner)!, grad: one }], { createGraph, capture: live.map((u) => edgeOf(u)!) });
    let k = 0;
    return us.map((u) => (u ? r[k++] ?? zeros([...u.shape], { dtype: u.dtype, device: u.device }) : null));
  });
}

/** Registers the transposed gradient rule of each op as its forward rule. */
export function defineTransposedForwardRule(...ops: OpName[]): void {
  for (const op of ops) defineForwardRule(op, { jvp: transposed, when: (attrs) => getRule(op, attrs) !== undefined });
}

/** Registers the transposed forward rules (attention). */
export function registerTransposed(): void {
  defineTransposedForwardRule('scaledDotProductAttention');
}
