// The func namespace: PyTorch's torch.func function transforms as one object (a plain object, not a module
// namespace, so a bundle that never uses it drops it and everything behind it).
import { functionalCall } from './functional-call.js';
import { grad, gradAndValue, vjp } from './grad.js';
import { hessian, jacfwd, jacrev } from './jacobian.js';
import { jvp } from './jvp.js';
import { batchRuleNames, defineBatchRule } from './vmap/registry.js';
import { vmap } from './vmap/vmap.js';

/**
 * PyTorch's torch.func function transforms — grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian, vmap
 * and functionalCall (plus defineBatchRule/batchRuleNames for vmap's rules). They compose: jacfwd(jacrev(f)),
 * vmap(grad(f)) for per-sample gradients, nested vmap.
 * @namespace
 */
export const func = {
  /** torch.func.grad: a function returning the gradient of fn's scalar output with respect to the argnums. */
  grad,
  /** torch.func.grad_and_value: like grad, returning [gradient, value]. */
  gradAndValue,
  /** torch.func.vjp: [fn(...primals), vjpFn] where vjpFn(v) gives vᵀJ for each primal. */
  vjp,
  /** torch.func.jvp: [fn(...primals), J·tangents], by forward mode. */
  jvp,
  /** torch.func.jacrev: the Jacobian by reverse mode, shaped output ++ input. */
  jacrev,
  /** torch.func.jacfwd: the Jacobian by forward mode, shaped output ++ input. */
  jacfwd,
  /** torch.func.hessian: jacfwd(jacrev(fn)). */
  hessian,
  /** torch.func.vmap: maps fn over a batch dim of its arguments as one batched computation. */
  vmap,
  /** torch.func.functional_call: runs a module with some parameters and buffers replaced (by state-dict key). */
  functionalCall,
  /** Registers (or replaces) the batching rule vmap uses for a core op. */
  defineBatchRule,
  /** The names of the ops that have a batching rule. */
  batchRuleNames,
};

export type { FuncGradOptions, Gradient, Gradients, VjpFn, VjpOptions } from './grad.js';
export type { JvpOptions } from './jvp.js';
export type { JacobianOptions, Jacobians } from './jacobian.js';
export type { CallableModule, TensorDict } from './functional-call.js';
export type { InDims, VmapOptions } from './vmap/vmap.js';
export type { BatchContext, BatchRule } from './vmap/registry.js';
export type { Argnums } from './util.js';
