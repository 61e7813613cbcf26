/**
 * `@flint/core`: tensors, dtypes, ops, dispatch and the backend contract.
 * @module @flint/core
 */
export * from './dtype.js';
export * from './errors.js';
export * from './backend.js';
export * from './schema/index.js';
export { backendProblems, checkKernelCall, isDenseView, takesStrided } from './schema/validate.js';
export { checkOptions, closestNames, didYouMean, optionKeys } from './names.js';
export * from './strided.js';
export * from './random.js';
export { registerBackend, removeBackend, getBackend, initBackend, listBackends, setDefaultDevice, getDefaultDevice, CORE_VERSION } from './registry.js';
export { Tensor } from './tensor.js';
export type { TensorData as TensorValues, NestedList } from './tensor-base.js';
export { scope, keep, Storage } from './memory.js';
export type { MemoryInfo, DeviceMemory } from './memory.js';
export { memory } from './memory-api.js';
export { synchronize, DeviceEvent, assertAsync } from './sync.js';
export { addHook, apply, runKernel, launch, allocate, hasKernel, withoutHooks, copyInto, isDenseTensor } from './dispatch.js';
export type { OpCall, OpHook } from './dispatch.js';
export { installAutograd } from './autograd-ext.js';
export type { AutogradExtension, GradFn } from './autograd-ext.js';
export { contextVar } from './context.js';
export type { ContextVar } from './context.js';
export { canCast } from './dtype-cast.js';
export { broadcastShapes, contiguousStrides, normalizeDim, normalizeDims } from './shape.js';
export * from './ops/index.js';
export * from './amp/index.js';
