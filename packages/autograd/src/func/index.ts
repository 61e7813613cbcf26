/**
 * `func`: PyTorch's torch.func function transforms — grad, vjp, jvp, jacrev, jacfwd, hessian, vmap and
 * functionalCall. They compose: jacfwd(jacrev(f)), vmap(grad(f)) for per-sample gradients, nested vmap.
 * @module
 */
export { grad, gradAndValue, vjp } from './grad.js';
export type { FuncGradOptions, Gradient, Gradients, VjpFn, VjpOptions } from './grad.js';
export { jvp } from './jvp.js';
export type { JvpOptions } from './jvp.js';
export { jacrev, jacfwd, hessian } from './jacobian.js';
export type { JacobianOptions, Jacobians } from './jacobian.js';
export { functionalCall } from './functional-call.js';
export type { CallableModule, TensorDict } from './functional-call.js';
export { vmap } from './vmap/vmap.js';
export type { InDims, VmapOptions } from './vmap/vmap.js';
export { defineBatchRule, batchRuleNames } from './vmap/registry.js';
export type { BatchContext, BatchRule } from './vmap/registry.js';
export type { Argnums } from './util.js';
