// Gradient rule for index() (x.slice(...)): the gradient is scattered back into a zero tensor shaped like
// the input with public ops only (squeeze, unsqueeze, pad, reshape, narrow), so it differentiates again.
import { pad, type IndexStep, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput } from './util.js';

/** Pad dim d of g with `before` and `after` zeros. */
function padDim(g: Tensor, d: number, before: number, after: number): Tensor {
  if (before === 0 && after === 0) return g;
  const spec = new Array<number>(2 * (g.ndim - d)).fill(0);
  spec[2 * (g.ndim - 1 - d)] = before;
  spec[2 * (g.ndim - 1 - d) + 1] = after;
  return pad(g, spec);
}

/** g's dim d holds `length` elements taken every `step` from `start`: spread them back over `size`. */
function unslice(g: Tensor, d: number, start: number, length: number, step: number, size: number): Tensor {
  let r = g;
  if (step > 1 && length > 0) {
    // [.., n, ..] -> [.., n, step] with the values at column 0 -> [.., n * step, ..]
    const spread = padDim(r.unsqueeze(d + 1), d + 1, 0, step - 1);
    r = spread.reshape([...r.shape.slice(0, d), length * step, ...r.shape.slice(d + 1)]).narrow(d, 0, Math.min(length * step, size - start));
  }
  return padDim(r, d, length > 0 ? start : 0, size - (length > 0 ? start : 0) - r.shape[d]!);
}

defineRule('index', {
  backward: (ctx, [g]) => {
    const x = ctx.inputs[0]!, steps = ctx.attrs.steps as IndexStep[];
    // drop the new axes; the remaining dims are the input's sliced dims, in order
    const added = steps.flatMap((s, i) => (s.kind === 'newaxis' ? [steps.slice(0, i).filter((t) => t.kind !== 'select').length] : []));
    let r = added.length ? g!.squeeze(added) : g!;
    for (const s of steps) {
      if (s.kind === 'select') r = padDim(r.unsqueeze(s.dim), s.dim, s.index, x.shape[s.dim]! - s.index - 1);
      else if (s.kind === 'slice') r = unslice(r, s.dim, s.start, s.length, s.step, x.shape[s.dim]!);
    }
    return [toInput(r, x)];
  },
});
