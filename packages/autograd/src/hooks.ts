// Leaf-gradient hooks for libraries that act as gradients land (DistributedDataParallel buckets them):
// torch's Tensor.register_post_accumulate_grad_hook, and the set of leaves a backward would reach.
import type { Tensor } from '@flint/core';
import { AccumulateGrad, AutogradError, edgeOf, type Node } from './graph.js';

/**
 * Calls `fn(leaf)` each time a backward pass has accumulated a gradient into `leaf.grad` (after the
 * accumulation, so `leaf.grad` holds the sum so far), as torch's `register_post_accumulate_grad_hook`.
 * Returns the function that removes the hook.
 */
export function registerPostAccumulateGradHook(leaf: Tensor, fn: (leaf: Tensor) => void): () => void {
  const edge = edgeOf(leaf);
  if (!edge || !(edge.node instanceof AccumulateGrad)) {
    throw new AutogradError(`registerPostAccumulateGradHook: only leaf tensors that require grad accumulate gradients, got ${edge ? `a result of '${edge.node.name}'` : "a tensor that doesn't require grad"}`);
  }
  const hooks = edge.node.postHooks;
  hooks.push(fn);
  return () => { const i = hooks.indexOf(fn); if (i >= 0) hooks.splice(i, 1); };
}

/** The leaf tensors whose `.grad` a backward pass from `outputs` would accumulate into (in no particular order). */
export function reachableLeaves(outputs: Tensor | readonly Tensor[]): Set<Tensor> {
  const leaves = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const t of Array.isArray(outputs) ? outputs : [outputs as Tensor]) {
    const e = edgeOf(t);
    if (e && !seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
  }
  while (stack.length) {
    const n = stack.pop()!;
    if (n instanceof AccumulateGrad) leaves.add(n.leaf);
    for (const e of n.edges) if (e && !seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
  }
  return leaves;
}
