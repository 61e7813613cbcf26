// Forward-mode rules for views, joins and index(): all linear, so each applies itself to the tangent
// (with zeros standing in for inputs of cat/stack that carry none).
import { cat, index, pad, stack, zerosLike, type IndexItem, type IndexStep, type Tensor } from '@flint/core';
import { defineForwardRule, type ForwardContext } from '../registry.js';

const t0 = (c: ForwardContext): Tensor => c.tangent(0)!;
/** Tangent i, zeros shaped like input i where it has none. */
const orZeros = (c: ForwardContext, i: number): Tensor => c.tangent(i) ?? zerosLike(c.inputs[i]!);

/** index()'s recorded steps as the items that produce them again. */
export function stepsToItems(steps: readonly IndexStep[]): IndexItem[] {
  return steps.map((s) => {
    if (s.kind === 'newaxis') return null;
    if (s.kind === 'select') return s.index;
    return s.length > 0 ? `${s.start}:${s.start + (s.length - 1) * s.step + 1}:${s.step}` : `${s.start}:${s.start}`;
  });
}

/** Registers the forward rules of the views and joins. */
export function registerViews(): void {
  for (const op of ['reshape', 'view', 'squeeze', 'unsqueeze'] as const) defineForwardRule(op, { jvp: (c) => [t0(c).reshape([...c.outputs[0]!.shape])] });
  defineForwardRule('permute', { jvp: (c) => [t0(c).permute(c.attrs.dims as number[])] });
  defineForwardRule('transpose', { jvp: (c) => [c.inputs[0]!.ndim === 0 ? t0(c) : t0(c).transpose(c.attrs.dim0 as number, c.attrs.dim1 as number)] });
  defineForwardRule('t', { jvp: (c) => [t0(c).ndim < 2 ? t0(c) : t0(c).t()] });
  defineForwardRule('expand', { jvp: (c) => [t0(c).expand([...c.outputs[0]!.shape])] });
  defineForwardRule('narrow', { jvp: (c) => [t0(c).narrow(c.attrs.dim as number, c.attrs.start as number, c.attrs.length as number)] });
  defineForwardRule('select', { jvp: (c) => [t0(c).select(c.attrs.dim as number, c.attrs.index as number)] });
  defineForwardRule('split', { jvp: (c) => t0(c).split(c.attrs.sizes as number[], c.attrs.dim as number) });
  defineForwardRule('cat', { jvp: (c) => [cat(c.inputs.map((x, i) => (x.ndim === 1 && x.shape[0] === 0 ? x : orZeros(c, i))), c.attrs.dim as number)] });
  defineForwardRule('stack', { jvp: (c) => [stack(c.inputs.map((_, i) => orZeros(c, i)), c.attrs.dim as number)] });
  defineForwardRule('pad', { jvp: (c) => [pad(t0(c), c.attrs.pad as number[], { mode: c.attrs.mode as 'constant', ...(c.attrs.mode === 'constant' ? { value: 0 } : {}) })] });
  defineForwardRule('repeat', { jvp: (c) => [t0(c).repeat(c.attrs.sizes as number[])] });
  defineForwardRule('index', { jvp: (c) => [index(t0(c), ...stepsToItems(c.attrs.steps as IndexStep[]))] });
}
