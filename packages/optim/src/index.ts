/**
 * `@flint/optim`: optimizers and learning-rate schedulers with torch.optim's names, options and state dicts.
 * @module @flint/optim
 */
export { Optimizer, withDefaults } from './optimizer.js';
export type { ParamGroup, ParamGroupInput, Params, ParamState, StateValue, OptimizerStateDict, LoadableStateDict } from './optimizer.js';
export type { LoadableStateValue } from './load-state.js';
export { OptimizerError } from './errors.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export * as lrScheduler from './lr-scheduler/index.js';
export * from './lr-scheduler/index.js';
export { GradScaler } from './amp/index.js';
export type { GradScalerOptions, GradScalerStateDict } from './amp/index.js';
