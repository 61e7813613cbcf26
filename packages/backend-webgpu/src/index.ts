/**
 * `@flint/backend-webgpu`: Flint's WebGPU backend. `await initWebGPU()` finds a device (navigator.gpu in
 * browsers; Dawn through the optional `webgpu` package in Node; or a GPUDevice you pass) and registers the
 * device `'webgpu'`.
 * @module @flint/backend-webgpu
 */
export { initWebGPU, createWebGPU } from './init.js';
export type { InitWebGPUOptions } from './init.js';
export { createWebGPUBackend } from './backend.js';
export type { BackendOptions, WebGPUBackend, WgBuffer } from './backend.js';
export type { AcquireOptions, DeviceSource } from './runtime/load.js';
