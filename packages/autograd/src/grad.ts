// torch.autograd.grad: gradients of outputs with respect to chosen inputs, without touching .grad.
import { ShapeError, checkOptions, onesLike, optionKeys, type Tensor } from '@flint/core';
import { runBackward } from './engine.js';
import { AutogradError, edgeOf } from './graph.js';
import { setGradEnabled } from './mode.js';

/** Options of {@link grad}, as torch.autograd.grad's keyword arguments. */
export interface GradOptions {
  /** The gradient of each output (needed for non-scalar outputs; null: ones for a scalar). */
  gradOutputs?: readonly (Tensor | null)[];
  /** Keep the graph (and its saved tensors) for another backward pass; default false. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again; default false. */
  createGraph?: boolean;
  /** Return null for inputs the outputs don't depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** Gradients of `outputs` with respect to `inputs` (torch.autograd.grad); leaves every `.grad` untouched. */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  checkOptions('grad', opts, optionKeys<GradOptions>()('gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'));
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? inputs : [inputs as Tensor];
  const capture = ins.map((t, i) => {
    const e = edgeOf(t);
    if (!e) throw new AutogradError(`grad: input ${i} (shape [${t.shape.join(',')}]) does not require grad`);
    return e;
  });
  const made: Tensor[] = [];
  const roots = outs.map((o, i) => {
    const edge = edgeOf(o);
    if (!edge) throw new AutogradError(`grad: output ${i} (shape [${o.shape.join(',')}]) does not require grad and has no gradFn`);
    let g = opts.gradOutputs?.[i] ?? null;
    if (!g) {
      if (o.numel() !== 1) throw new AutogradError(`grad: grad can be implicitly created only for scalar outputs; output ${i} has shape [${o.shape.join(',')}], pass gradOutputs`);
      g = setGradEnabled(false, () => onesLike(o));
      made.push(g);
    } else if (g.ndim !== o.ndim || g.shape.some((d, k) => d !== o.shape[k])) {
      throw new ShapeError(`grad: gradOutputs[${i}] has shape [${g.shape.join(',')}], the output has [${o.shape.join(',')}]`);
    }
    return { edge, grad: g };
  });
  const results = runBackward(roots, { retainGraph: opts.retainGraph, createGraph: opts.createGraph, capture });
  for (const g of made) g.dispose();
  results.forEach((r, i) => {
    if (!r && !opts.allowUnused) {
      throw new AutogradError(`grad: input ${i} (shape [${ins[i]!.shape.join(',')}]) was not used to compute the outputs; pass { allowUnused: true } to get null for it`);
    }
  });
  return results;
}
