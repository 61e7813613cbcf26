// @flint/core: tensors, dtypes, ops, dispatch and the backend contract.
export * from './dtype.js';
export * from './errors.js';
export * from './backend.js';
export * from './strided.js';
export * from './random.js';
export { registerBackend, removeBackend, getBackend, initBackend, listBackends, setDefaultDevice, getDefaultDevice, CORE_VERSION } from './registry.js';
