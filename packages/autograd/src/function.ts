// Custom differentiable functions, the torch.autograd.Function idea: forward and backward written by
// the user, composed with everything else.
import type { Tensor } from '@flint/core';
import { FnNode, edgeOf, savedView, setGradFn, tracks } from './graph.js';
import { isGradEnabled, noGrad } from './mode.js';

/** What a custom function's forward and backward share: saved tensors, free-form data, which inputs need gradients. */
export interface FunctionContext {
  /** Keep tensors for backward (views; released after backward unless the graph is retained). */
  saveForBackward(...tensors: Tensor[]): void;
  /** The tensors `saveForBackward` kept, in the order they were saved. */
  readonly savedTensors: readonly Tensor[];
  /** Free-form values for backward. */
  readonly data: Record<string, unknown>;
  /** Whether input `i` requires a gradient (backward may return null for the others). */
  needsInputGrad(i: number): boolean;
}

/** A custom differentiable function for {@link defineFunction}: its forward and its backward. */
export interface FunctionDef {
  /** Names the graph node: `gradFn.name` is `${name}Backward`; default `'CustomBackward'`. */
  name?: string;
  /** Runs without recording; return one tensor or an array. */
  forward(ctx: FunctionContext, ...inputs: Tensor[]): Tensor | Tensor[];
  /** Gradients for each input (null where none), given one gradient per output. */
  backward(ctx: FunctionContext, ...gradOutputs: (Tensor | null)[]): (Tensor | null) | (Tensor | null)[];
}

/** Make a differentiable function from forward and backward: `const f = defineFunction({...}); f(x)`. */
export function defineFunction(def: FunctionDef): (...inputs: Tensor[]) => Tensor | Tensor[] {
  return (...inputs: Tensor[]) => {
    const saved: Tensor[] = [];
    const needs = inputs.map(tracks);
    const ctx: FunctionContext = {
      saveForBackward: (...ts) => { for (const t of ts) saved.push(savedView(t)); },
      get savedTensors() { return saved; },
      data: {},
      needsInputGrad: (i) => needs[i] ?? false,
    };
    const out = noGrad(() => def.forward(ctx, ...inputs));
    const outs = Array.isArray(out) ? out : [out];
    if (isGradEnabled() && needs.some(Boolean)) {
      const node = new FnNode(`${def.name ?? 'Custom'}Backward`, inputs.map((t, i) => (needs[i] ? edgeOf(t) : null)), (grads) => {
        const r = def.backward(ctx, ...outs.map((_, i) => grads[i] ?? null));
        return Array.isArray(r) ? r : [r];
      }, () => { for (const s of saved) s.dispose(); saved.length = 0; });
      outs.forEach((o, i) => setGradFn(o, node, i));
    } else {
      for (const s of saved) s.dispose();
    }
    return out;
  };
}
