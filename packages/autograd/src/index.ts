/**
 * `@flint/autograd`: importing this module installs the tape; Tensor's gradient members then work.
 * @module @flint/autograd
 */
import { addHook, installAutograd } from '@flint/core';
import { extension, tapeHook } from './tape.js';
import './rules/elementwise.js';
import './rules/reduce.js';
import './rules/views.js';
import './rules/linalg.js';
import './rules/indexing.js';
import './rules/nn.js';
import './rules/rnn-sequence.js';
import './rules/slicing.js';
import './rules/vector-norm.js';
import './rules/activations.js';
import './rules/attention.js';
import { forwardHook } from './forward/dual.js';

const KEY = Symbol.for('@flint/autograd.installed');
const g = globalThis as unknown as Record<symbol, boolean>;
if (!g[KEY]) {
  g[KEY] = true;
  installAutograd(extension);
  addHook(tapeHook);
  addHook(forwardHook);
}

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './mode.js';
export { grad } from './grad.js';
export type { GradOptions } from './grad.js';
export { backward } from './tape.js';
export { defineFunction } from './function.js';
export type { FunctionContext, FunctionDef } from './function.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export { AutogradError } from './graph.js';
export { registerPostAccumulateGradHook, reachableLeaves } from './hooks.js';
export { defineRule, defineNondifferentiable, ruleNames } from './rules/registry.js';
export type { GradRule, GradContext, Grads } from './rules/registry.js';
export { func } from './func/index.js';
export type {
  FuncGradOptions, Gradient, Gradients, VjpFn, VjpOptions, JvpOptions, JacobianOptions, Jacobians, CallableModule, TensorDict,
  InDims, VmapOptions, BatchContext, BatchRule, Argnums,
} from './func/index.js';
export { defineForwardRule, forwardRuleNames } from './forward/registry.js';
export type { ForwardRule, ForwardContext } from './forward/registry.js';
