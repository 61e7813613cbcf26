// initWebGPU: find a device (the caller's, navigator.gpu, or Dawn in Node) and register the 'webgpu' backend.
/// <reference types="@webgpu/types" />
import type { Backend } from '@flint/core';
import { initBackend, listBackends, registerBackend, removeBackend } from '@flint/core';
import type { AcquireOptions } from './runtime/load.js';
import { acquireDevice } from './runtime/load.js';
import type { BackendOptions, WebGPUBackend } from './backend.js';
import { createWebGPUBackend } from './backend.js';

/** Options of {@link initWebGPU}. */
export interface InitWebGPUOptions extends AcquireOptions, Pick<BackendOptions, 'maxBindingBytes'> {
  /** The device name to register (default 'webgpu'). */
  name?: string;
  /** Registry priority (default 1: above the CPU backend when it becomes the default device). */
  priority?: number;
}

/** A WebGPU backend of this package whose device still works. */
const isLive = (b: Backend): boolean => {
  const w = b as Partial<WebGPUBackend>;
  return w.device !== undefined && w.stats !== undefined && w.lost === false;
};

/** Finds a WebGPU device and makes a backend on it, without registering it (what registerBackend's factory runs). */
export async function createWebGPU(opts: AcquireOptions & Pick<BackendOptions, 'name' | 'maxBindingBytes'> = {}): Promise<WebGPUBackend> {
  const a = await acquireDevice(opts);
  return createWebGPUBackend(a.device, { name: opts.name ?? 'webgpu', adapter: `${a.description} via ${a.source}`, ownDevice: a.source !== 'caller', maxBindingBytes: opts.maxBindingBytes });
}

/**
 * Acquires a WebGPU device and registers it with @flint/core as `'webgpu'` (or `opts.name`); resolves to the
 * backend once it is ready. Rejects with a BackendError saying what was tried when there is no WebGPU.
 * @example
 * import '@flint/backend-webgpu';
 * await initWebGPU();
 * const x = randn([2, 3], { device: 'webgpu' });
 */
export async function initWebGPU(opts: InitWebGPUOptions = {}): Promise<WebGPUBackend> {
  const name = opts.name ?? 'webgpu';
  // a second call (hot reload, two modules that both init) gets the backend already registered under the
  // name, so tensors on it stay valid; passing a device, or a lost one, makes a new backend
  const existing = listBackends().includes(name) ? await initBackend(name).catch(() => undefined) : undefined;
  if (existing && !opts.device && isLive(existing)) return existing as WebGPUBackend;
  const made = createWebGPU({ ...opts, name });
  registerBackend(name, () => made as Promise<Backend>, opts.priority ?? 1);
  try {
    await initBackend(name);
  } catch (e) {
    removeBackend(name);
    throw e;
  }
  return made;
}
